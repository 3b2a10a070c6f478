from django.conf import settings
from django.core.management.base import BaseCommand

from courses import demo as courses_demo
from home.demo import REVIEWER_USERNAME, seed_campaign_site, seed_editor_permissions, seed_home_pages
from portal.demo import USERS, seed_kernel
from training import demo as training_demo
from volunteers import demo as volunteers_demo


class Command(BaseCommand):
    help = "Load the demo districts, targets, users and pages (idempotent: a second run changes nothing)."

    def handle(self, *args, **options) -> None:
        seed_kernel()
        pages = seed_home_pages()
        seed_editor_permissions(pages)
        courses_demo.seed()
        volunteers_demo.seed()
        training_demo.seed()
        seed_campaign_site(pages)
        password = getattr(settings, "DEMO_PASSWORD", None)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Demo log-ins (username / password):"))
        for seed in USERS:
            shown = password if password else "(set DEMO_PASSWORD)"
            self.stdout.write(f"  {seed.username:<20} {shown:<16} {seed.display_name}")
        shown = password if password else "(set DEMO_PASSWORD)"
        self.stdout.write(f"  {REVIEWER_USERNAME:<20} {shown:<16} 赵审核员（宣传内容审核）")

from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.models import User


class Command(BaseCommand):
    help = "Print a new API token for USERNAME, to send as 'Authorization: Bearer <token>'."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. a scanner app.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        self.stdout.write(services.api_token_issue(user=user, name=name))

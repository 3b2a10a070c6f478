from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from wagtail.models import GroupPagePermission, Page, Revision, Site

from home.models import HomePage
from portal import validators
from portal.demo import DISTRICTS, PEOPLE, USERS
from portal.models import Area, Channel, Person, PlanPeriod, Target, User

pytestmark = pytest.mark.django_db

SNAPSHOT_APPS = {"portal", "home", "wagtailcore", "auth", "courses", "training", "volunteers"}


def _snapshot() -> dict[str, list]:
    """Every row id of the kernel, domain, home and Wagtail tables, and the fields a re-run could touch."""
    rows = {
        model._meta.label: list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for model in apps.get_models()
        if model._meta.app_label in SNAPSHOT_APPS
    }
    rows["users"] = list(User.objects.order_by("pk").values_list("pk", "password", "area_id", "phone_hash"))
    rows["sites"] = list(
        Site.objects.order_by("pk").values_list("pk", "hostname", "port", "root_page_id", "is_default_site")
    )
    rows["pages"] = list(Page.objects.order_by("pk").values_list("pk", "path", "live", "latest_revision_id"))
    rows["groups"] = list(User.groups.through.objects.order_by("pk").values_list("user_id", "group_id"))
    return rows


def test_second_run_changes_nothing(seed_output):
    before = _snapshot()

    call_command("seed_demo", stdout=StringIO())

    after = _snapshot()
    assert after == before
    assert len(before["portal.Area"]) > 40  # the comparison is over real data, not empty tables


def test_seed_creates_the_districts_their_streets_and_plan_targets(seed_output):
    assert Area.objects.filter(level=Area.Level.DISTRICT).count() == len(DISTRICTS)
    assert Area.objects.get(code="xc").name == "西城区"
    assert Area.objects.filter(parent__code="xc", level=Area.Level.STREET).count() == 15
    assert all(area.path.startswith(area.parent.path) for area in Area.objects.exclude(parent=None))
    assert PlanPeriod.objects.filter(district__code="xc", name="十四五").exists()
    assert Target.objects.filter(period__district__code="xc").count() == 3
    assert list(Channel.objects.values_list("name", flat=True)) == [
        "进企业",
        "进农村",
        "进社区",
        "进学校",
        "进家庭",
    ]


def test_seed_creates_two_district_sites_with_xicheng_as_the_default(seed_output):
    default = Site.objects.get(is_default_site=True)

    assert default.root_page.specific.district.code == "xc"
    assert Site.objects.get(hostname="heping.localhost").root_page.specific.district.code == "hp"
    assert HomePage.objects.count() == 2
    assert not Page.objects.filter(depth=2, content_type__model="page").exists()  # Wagtail's welcome page
    children = HomePage.objects.get(district__code="xc").get_children().live()
    assert children.filter(content_type__app_label="home").count() == 8  # 5 hubs + 3 indexes
    assert GroupPagePermission.objects.filter(group__name="editor").count() == 4  # add, change; no publish
    assert (
        GroupPagePermission.objects.filter(
            group__name="reviewer", permission__codename="publish_page"
        ).count()
        == 2
    )


def test_seed_writes_articles_of_every_kind_hubs_topics_events_and_history(seed_output):
    from home.models import ArticlePage, EventPage, HubPage, TargetSnapshot, TopicPage

    xc = HomePage.objects.get(district__code="xc")
    for kind in ("knowledge", "case", "exposure"):
        assert ArticlePage.objects.live().descendant_of(xc).filter(kind=kind).count() >= 2
    assert all(article.video_url for article in ArticlePage.objects.filter(kind="exposure"))
    assert HubPage.objects.child_of(xc).count() == Channel.objects.count()
    assert {topic.title for topic in TopicPage.objects.descendant_of(xc)} >= {
        "电动自行车",
        "燃气",
        "用电",
        "秸秆防火",
    }
    assert EventPage.objects.descendant_of(xc).filter(kind="campaign_month").exists()
    assert TargetSnapshot.objects.filter(target__period__district__code="xc").count() == 18
    assert Revision.objects.filter(object_id=str(xc.pk)).count() == 1


def test_demo_people_have_valid_id_numbers_and_their_accounts(seed_output):
    people = Person.objects.filter(user__isnull=False).select_related("user", "area")
    assert people.count() >= len(PEOPLE)  # the domain modules seed more people of their own
    for person in people.filter(name__in=[seed[0] for seed in PEOPLE]):
        assert validators.validate_id_number(person.id_number) == person.id_number
        assert person.user is not None
        assert person.phone == person.user.phone
        assert person.area.level == Area.Level.COMMUNITY


@pytest.mark.parametrize("seed", USERS, ids=[seed.username for seed in USERS])
def test_each_demo_user_logs_in_with_the_demo_password(client, seed_output, seed):
    assert client.login(username=seed.username, password=settings.DEMO_PASSWORD)

    user = User.objects.get(username=seed.username)
    assert user.role_codes == {seed.role}
    assert (user.area.code if user.area else None) == seed.area
    assert user.phone_verified


def test_demo_user_does_not_log_in_with_a_wrong_password(client, seed_output):
    assert not client.login(username="district_admin", password="wrong-password")


def test_command_prints_every_demo_login(seed_output):
    for seed in USERS:
        assert seed.username in seed_output
    assert settings.DEMO_PASSWORD in seed_output

"""Reads for the campaign site. Every list is one query (or a fixed few) whatever its size."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from home.models import (
    ArticlePage,
    EventPage,
    HomePage,
    HubPage,
    PageSearchText,
    TargetSnapshot,
)
from portal.models import Area, Channel, Target
from portal.selectors import areas_visible_to, plan_period_current, targets_progress

ARTICLE_LIST_FIELDS = [
    "id",
    "title",
    "slug",
    "url_path",
    "summary",
    "kind",
    "first_published_at",
    "locale_id",
]


def home_of(*, page: Page) -> HomePage:
    """The district home page a page belongs to (the site root above it)."""
    if isinstance(page, HomePage):
        return page
    return HomePage.objects.ancestor_of(page).select_related("district").first()


def articles_latest(
    *, home: HomePage, kind: str | None = None, kinds: list[str] | None = None, limit: int = 10
) -> QuerySet[ArticlePage]:
    articles = ArticlePage.objects.live().descendant_of(home)
    if kind:
        articles = articles.filter(kind=kind)
    if kinds:
        articles = articles.filter(kind__in=kinds)
    return articles.only(*ARTICLE_LIST_FIELDS).order_by("-first_published_at", "-id")[:limit]


def articles_for_channel(*, home: HomePage, channel: Channel, limit: int = 30) -> QuerySet[ArticlePage]:
    return (
        ArticlePage.objects.live()
        .descendant_of(home)
        .filter(channels=channel)
        .only(*ARTICLE_LIST_FIELDS)
        .order_by("-first_published_at", "-id")[:limit]
    )


def articles_for_topic(*, topic, limit: int = 30) -> QuerySet[ArticlePage]:
    return (
        ArticlePage.objects.live()
        .filter(topics=topic)
        .only(*ARTICLE_LIST_FIELDS)
        .order_by("-first_published_at", "-id")[:limit]
    )


def events_upcoming(*, home: HomePage, channel: Channel | None = None, limit: int = 6) -> QuerySet[EventPage]:
    now = timezone.now()
    events = (
        EventPage.objects.live()
        .descendant_of(home)
        .filter(Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now))
    )
    if channel is not None:
        events = events.filter(channel=channel)
    return events.only(
        "id", "title", "url_path", "kind", "starts_at", "ends_at", "location", "summary", "locale_id"
    ).order_by("starts_at")[:limit]


def sessions_for_channel(*, home: HomePage, channel: Channel, limit: int = 6) -> list:
    """Upcoming training sessions of this district and channel, read through ``training.selectors``."""
    from training import selectors as training_selectors

    return list(training_selectors.sessions_upcoming(area=home.district).filter(channel=channel)[:limit])


def activities_for_channel(*, home: HomePage, channel: Channel, limit: int = 6) -> list:
    """Open volunteer activities of this district and channel, read through ``volunteers.selectors``."""
    from volunteers import selectors as volunteers_selectors

    return list(volunteers_selectors.activities_open(district=home.district).filter(channel=channel)[:limit])


def courses_for_channel(*, home: HomePage, channel: Channel, limit: int = 6) -> list:
    """Live courses of this district's catalogue tagged with the channel, through ``courses.selectors``
    (two queries: the catalogue, the courses)."""
    from courses import selectors as courses_selectors

    courses = courses_selectors.courses_list(district=home.district).filter(channel=channel)
    fields = ("id", "title", "url_path", "summary", "locale_id")
    return list(courses.prefetch_related(None).select_related(None).only(*fields)[:limit])


def hubs_of(*, home: HomePage) -> QuerySet[HubPage]:
    return (
        HubPage.objects.live()
        .child_of(home)
        .select_related("channel")
        .filter(channel__is_active=True)
        .order_by("channel__sort_order", "path")
    )


@dataclass(frozen=True)
class Door:
    title: str
    text: str
    url: str


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def home_doors(*, home: HomePage, hubs: list[HubPage], request=None) -> list[Door]:
    """The three doors: learn and take a quiz, book a visit or training, become a volunteer.

    Each goes to its module's page when that module's URLs exist, otherwise to the hub that leads there.
    """
    by_code = {hub.channel.code: hub for hub in hubs}
    # The courses module publishes its course index as a Wagtail page under the district home.
    learning = home.get_children().live().filter(content_type__app_label="courses").first()

    def hub_url(code: str) -> str:
        hub = by_code.get(code)
        return (hub or home).get_url(request) or "/"

    return [
        Door(
            _("Learn and take a quiz"),
            _("Short lessons and a quiz: learn to use an extinguisher and to escape."),
            learning.get_url(request) if learning else hub_url("family"),
        ),
        Door(
            _("Book a visit or training"),
            _("Visit a fire station on its open day, or book hands-on training for your unit."),
            _url("training:sessions", hub_url("enterprise")),
        ),
        Door(
            _("Become a volunteer"),
            _("Join the fire volunteers of your street and community."),
            _url("volunteers:register", hub_url("community")),
        ),
    ]


def pages_search(*, home: HomePage, query: str, limit: int = 50) -> QuerySet[Page]:
    """Live pages of this site whose text contains the query: a database ``LIKE``, so Chinese
    words are found on SQLite and PostgreSQL alike. Several words separated by spaces must all occur."""
    words = [word for word in query.split() if word][:5]
    if not words:
        return Page.objects.none()
    texts = PageSearchText.objects.all()
    for word in words:
        texts = texts.filter(text__icontains=word)
    return (
        Page.objects.live()
        .descendant_of(home, inclusive=True)
        .filter(pk__in=texts.values("page_id"))
        .select_related("content_type")
        .order_by("-first_published_at", "-id")[:limit]
    )


# --- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRow:
    target: Target
    actual: Decimal | None
    share: Decimal | None
    history: list[tuple[datetime.date, Decimal]]


def targets_with_history(*, district: Area, year: int) -> list[TargetRow]:
    """Every target of the district's current plan period, its live value and its daily history."""
    progress = targets_progress(district=district, year=year)
    ids = [item.target.pk for item in progress]
    history: dict[int, list] = {pk: [] for pk in ids}
    for target_id, taken_on, actual in TargetSnapshot.objects.filter(target_id__in=ids).values_list(
        "target_id", "taken_on", "actual"
    ):
        history[target_id].append((taken_on, actual))
    return [TargetRow(item.target, item.actual, item.share, history[item.target.pk]) for item in progress]


def targets_stats(*, district: Area | None = None, year: int) -> list[dict]:
    """Rows for ``GET /api/v1/stats/targets``: district, period, metric, target, actual, source."""
    districts = (
        [district]
        if district
        else list(Area.objects.filter(level=Area.Level.DISTRICT).order_by("sort_order", "code"))
    )
    rows = []
    for each in districts:
        period = plan_period_current(district=each, year=year)
        for item in targets_progress(district=each, year=year):
            rows.append(
                {
                    "district": each.code,
                    "district_name": each.name,
                    "period": period.name if period else "",
                    "metric": item.target.metric,
                    "metric_label": str(item.target.get_metric_display()),
                    "kind": item.target.kind,
                    "target": item.target.value,
                    "unit": item.target.unit,
                    "actual": item.actual,
                    "source": item.target.source,
                }
            )
    return rows


def fire_history(*, district: Area) -> dict | None:
    """The district's historical fire statistics from its plan (context on the progress page), or None."""
    from home.demo_content import FIRE_HISTORY

    return FIRE_HISTORY.get(district.code)


# --- coverage ---------------------------------------------------------------------------------

COVERAGE_DAYS = 90


@dataclass(frozen=True)
class CoverageCell:
    """What reached one street through one channel: articles published, training sessions held
    (or scheduled today) and volunteer activities, in the window."""

    articles: int = 0
    sessions: int = 0
    activities: int = 0

    @property
    def total(self) -> int:
        return self.articles + self.sessions + self.activities

    @property
    def blind(self) -> bool:
        return self.total == 0


@dataclass(frozen=True)
class CoverageRow:
    street: Area
    cells: list[CoverageCell]  # one per channel, in channel order

    @property
    def blind_spots(self) -> int:
        return sum(1 for cell in self.cells if cell.blind)


def coverage_window(*, today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start of the day 90 days ago, start of tomorrow): the last 90 days including today."""
    since = datetime.datetime.combine(today - datetime.timedelta(days=COVERAGE_DAYS), datetime.time())
    until = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(since), timezone.make_aware(until)


def _articles_by_street_channel(*, streets: list[Area], since, until) -> dict[tuple[int, int], int]:
    """Live articles first published in [since, until) per (street, channel). An article tagged
    with a community counts for the street above it (path prefix), like sessions and activities.
    One aggregate query; an article with two channels counts once in each."""
    if not streets:
        return {}
    street_of = Case(
        *[When(area__path__startswith=street.path, then=Value(street.pk)) for street in streets],
        default=None,
        output_field=IntegerField(),
    )
    rows = (
        ArticlePage.objects.live()
        .filter(first_published_at__gte=since, first_published_at__lt=until, area__isnull=False)
        .annotate(street_id=street_of)
        .filter(street_id__isnull=False, channels__isnull=False)
        .values_list("street_id", "channels")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(street_id, channel_id): n for street_id, channel_id, n in rows}


def coverage(*, user, today: datetime.date | None = None) -> tuple[list[Channel], list[CoverageRow]]:
    """The 五进 coverage: streets the user may see × active channels, each cell the number of
    articles, training sessions and volunteer activities in the last 90 days (sessions and
    activities counted by the training and volunteers selectors). A cell with nothing is a blind
    spot. Five queries whatever the number of streets, channels and records."""
    from training.selectors import sessions_by_street_channel
    from volunteers.selectors import activities_by_street_channel

    since, until = coverage_window(today=today or timezone.localdate())
    channels = list(Channel.objects.filter(is_active=True))
    streets = list(
        areas_visible_to(user=user)
        .filter(level=Area.Level.STREET)
        .order_by("parent__sort_order", "sort_order", "code")
    )
    articles = _articles_by_street_channel(streets=streets, since=since, until=until)
    sessions = sessions_by_street_channel(streets=streets, since=since, until=until)
    activities = activities_by_street_channel(streets=streets, since=since, until=until)
    rows = [
        CoverageRow(
            street,
            [
                CoverageCell(
                    articles=articles.get((street.pk, channel.pk), 0),
                    sessions=sessions.get((street.pk, channel.pk), 0),
                    activities=activities.get((street.pk, channel.pk), 0),
                )
                for channel in channels
            ],
        )
        for street in streets
    ]
    return channels, rows


# --- reviewers --------------------------------------------------------------------------------


def reviewer_candidates(*, user, query: str = "", limit: int = 200) -> QuerySet:
    """Accounts with an area inside ``user``'s area (staff), each with ``is_reviewer``: the list a
    district administrator assigns reviewers from. One query."""
    from django.db.models import Exists, OuterRef

    from home.services import REVIEWER_GROUP
    from portal.models import User
    from portal.selectors import visible_to

    reviewers = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=REVIEWER_GROUP)
    accounts = visible_to(User.objects.filter(area__isnull=False), user=user)
    if query:
        accounts = accounts.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    return (
        accounts.select_related("area")
        .annotate(is_reviewer=Exists(reviewers))
        .order_by("-is_reviewer", "area__path", "username")[:limit]
    )

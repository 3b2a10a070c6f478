"""Volunteer reads: no side effects. Every staff read goes through ``portal.selectors.visible_to``;
list and dashboard reads run a fixed number of queries whatever the amount of data.
"""

import datetime
import importlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import selectors as portal_selectors
from portal.models import Area, Channel, Metric, Person, Role, Target, User
from portal.xlsx import rows_xlsx
from volunteers.models import (
    Activity,
    ActivityType,
    Attendance,
    HoursTally,
    MonthlyHoursTally,
    RoleModel,
    ServiceRecord,
    SignUp,
    StarNotice,
    Team,
    TeamMembership,
    VolunteerProfile,
)
from volunteers.services import COORDINATOR_ROLES, star_thresholds, user_coordinates

REFERENCE_SHARE = Decimal("0.03")  # national programme: 3% of residents per district


# ------------------------------------------------------------------------------
# Volunteers
# ------------------------------------------------------------------------------
def volunteer_profile_for(*, user: User) -> VolunteerProfile | None:
    if not user.is_authenticated:
        return None
    return (
        VolunteerProfile.objects.select_related("person", "district", "street", "community")
        .filter(user=user)
        .first()
    )


def roster_for(
    *, user: User, status: str | None = None, street: Area | None = None, search: str = ""
) -> QuerySet[VolunteerProfile]:
    """Volunteers in the user's area (and below), newest first; one query however many."""
    queryset = VolunteerProfile.objects.select_related("person", "district", "street", "community")
    queryset = portal_selectors.visible_to(queryset, user=user, area_field="area")
    if status:
        queryset = queryset.filter(status=status)
    if street is not None:
        queryset = queryset.filter(street=street)
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(Q(person__name__icontains=search) | Q(number__iexact=search))
    return queryset.order_by("-created_at", "-pk")


def pending_registrations_for(*, user: User) -> QuerySet[VolunteerProfile]:
    return roster_for(user=user, status=VolunteerProfile.Status.PENDING).exclude(user=user)


@dataclass
class MyHours:
    profile: VolunteerProfile
    records: list[ServiceRecord]
    approved_hours: Decimal
    pending_hours: Decimal
    declined_count: int
    star_level: int
    next_star_hours: Decimal | None
    thresholds: tuple[Decimal, ...] = field(default_factory=tuple)
    page: int = 1
    has_older: bool = False


def my_hours(
    *,
    user: User,
    limit: int = 200,
    page: int = 1,
    profile: VolunteerProfile | None = None,
    thresholds: tuple[Decimal, ...] | None = None,
) -> MyHours | None:
    """The volunteer's records (newest first, ``limit`` a page, page ``page``) with their state,
    the approved and pending totals and the hours to the next star: four queries whatever the
    history (one more row is read to know whether older records follow). ``profile``: the
    caller's already loaded profile of ``user``, to spare a query; ``thresholds``: the district's
    star thresholds when the caller has read them already."""
    if profile is None or profile.user_id != user.pk:
        profile = volunteer_profile_for(user=user)
    if profile is None:
        return None
    page = max(1, page)
    offset = (page - 1) * limit
    records = list(
        ServiceRecord.objects.filter(volunteer=profile)
        .select_related("activity", "team", "channel")
        .order_by("-started_at", "-pk")[offset : offset + limit + 1]
    )
    has_older = len(records) > limit
    records = records[:limit]
    totals = ServiceRecord.objects.filter(volunteer=profile).aggregate(
        approved=Sum("hours", filter=Q(state=ServiceRecord.State.APPROVED)),
        pending=Sum("hours", filter=Q(state=ServiceRecord.State.PENDING)),
        declined=Count("pk", filter=Q(state=ServiceRecord.State.DECLINED)),
    )
    if thresholds is None:
        thresholds = star_thresholds(district=profile.district)
    approved = totals["approved"] or Decimal(0)
    upcoming = [t for t in thresholds if t > approved]
    return MyHours(
        profile=profile,
        records=records,
        approved_hours=approved,
        pending_hours=totals["pending"] or Decimal(0),
        declined_count=totals["declined"] or 0,
        star_level=sum(1 for t in thresholds if approved >= t),
        next_star_hours=(upcoming[0] - approved) if upcoming else None,
        thresholds=thresholds,
        page=page,
        has_older=has_older,
    )


def volunteer_for_staff(*, user: User, profile_id: int) -> VolunteerProfile | None:
    """One volunteer, only when inside the user's area (None otherwise: answer 404)."""
    return roster_for(user=user).filter(pk=profile_id).first()


@dataclass(frozen=True)
class TrainingItem:
    title: str
    status_display: str
    date: datetime.date | None = None
    certificate_number: str = ""


def training_status_for(*, person: Person) -> list[TrainingItem] | None:
    """The 一警六员 training status read through ``training.selectors.person_training_status``
    (volunteers are category 7 there), as items with ``title``, ``status_display``, ``date``,
    ``certificate_number``; None when the training module does not offer that selector."""
    try:
        module = importlib.import_module("training.selectors")
    except ImportError:
        return None
    function = getattr(module, "person_training_status", None)
    if function is None:
        return None
    status = function(person=person)
    if status.get("passed_this_year"):
        state = _("Passed this year")
    elif status.get("trained_this_year"):
        state = _("Trained this year, not yet passed")
    elif status.get("upcoming"):
        state = _("Booked")
    else:
        state = _("Not trained this year")
    items = [
        TrainingItem(
            title=_("一警六员 hands-on training"), status_display=state, date=status.get("last_passed_on")
        )
    ]
    items += [
        TrainingItem(title=_("Training certificate"), status_display=_("Valid"), certificate_number=number)
        for number in status.get("certificates") or []
    ]
    return items


def activities_attended_by(*, user: User) -> QuerySet[Activity]:
    """Activities the volunteer signed up for that have started: the choices for declaring hours."""
    return (
        Activity.objects.filter(
            signups__volunteer__user=user,
            signups__status=SignUp.Status.SIGNED_UP,
            starts_at__lte=timezone.now(),
        )
        .exclude(service_records__volunteer__user=user)
        .select_related("team", "area")
        .order_by("-starts_at")
    )


def corrections_open_for(*, user: User):
    """Open correction requests on records this user may decide (never their own)."""
    from volunteers.models import CorrectionRequest

    return (
        CorrectionRequest.objects.filter(
            status=CorrectionRequest.Status.OPEN, record__in=records_decidable_by(user=user)
        )
        .select_related("record__volunteer__person", "record__activity")
        .order_by("created_at")
    )


# ------------------------------------------------------------------------------
# Teams
# ------------------------------------------------------------------------------
def teams_for_leader(*, user: User) -> QuerySet[Team]:
    """Teams the user leads, and for coordinators every team in their area."""
    if not user.is_authenticated:
        return Team.objects.none()
    led = Q(leaders=user)
    if user.is_superuser:
        return Team.objects.select_related("area").order_by("name")
    if user.role_codes & COORDINATOR_ROLES:
        scope = portal_selectors.user_scope_area(user=user)
        if scope is not None:
            led |= Q(area__path__startswith=scope.path)
    return Team.objects.filter(led).distinct().select_related("area").order_by("name")


def teams_of_volunteer(*, user: User) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(volunteer__user=user)
        .select_related("team__area")
        .order_by("-joined_at")
    )


def team_members(*, team: Team) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(team=team)
        .select_related("volunteer__person")
        .order_by("status", "volunteer__person__name")
    )


def team_join_requests(*, user: User) -> QuerySet[TeamMembership]:
    return team_members_for_teams(teams=teams_for_leader(user=user)).filter(
        status=TeamMembership.Status.REQUESTED
    )


def team_members_for_teams(*, teams: QuerySet[Team]) -> QuerySet[TeamMembership]:
    return TeamMembership.objects.filter(team__in=teams).select_related("team", "volunteer__person")


# ------------------------------------------------------------------------------
# Activities
# ------------------------------------------------------------------------------
def _with_seats(queryset: QuerySet[Activity]) -> QuerySet[Activity]:
    return queryset.annotate(
        signed_up=Count("signups", filter=Q(signups__status=SignUp.Status.SIGNED_UP))
    ).annotate(seats_left=F("capacity") - F("signed_up"))


def activities_open(*, district: Area | None = None, area: Area | None = None) -> QuerySet[Activity]:
    """Open, not yet ended activities, soonest first, with ``signed_up`` and ``seats_left``."""
    queryset = Activity.objects.filter(status=Activity.Status.OPEN, ends_at__gt=timezone.now())
    scope = area or district
    if scope is not None:
        queryset = queryset.filter(area__path__startswith=scope.path)
    return _with_seats(queryset.select_related("team", "area", "channel")).order_by("starts_at", "pk")


def activities_managed_by(*, user: User) -> QuerySet[Activity]:
    """Activities of the teams the user leads or coordinates, newest first, with seats."""
    return _with_seats(
        Activity.objects.filter(team__in=teams_for_leader(user=user)).select_related(
            "team", "area", "channel"
        )
    ).order_by("-starts_at", "-pk")


def activity_for_manage(*, user: User, activity_id: int) -> Activity | None:
    """The activity when the user leads its team or coordinates its area, else None (→ 404)."""
    return activities_managed_by(user=user).filter(pk=activity_id).first()


def activity_roster(*, activity: Activity) -> list[tuple[SignUp, Attendance | None]]:
    """Sign-ups of the activity with their attendance (two queries)."""
    signups = list(
        SignUp.objects.filter(activity=activity, status=SignUp.Status.SIGNED_UP)
        .select_related("volunteer__person")
        .order_by("volunteer__person__name")
    )
    attendance = {a.volunteer_id: a for a in Attendance.objects.filter(activity=activity)}
    return [(signup, attendance.get(signup.volunteer_id)) for signup in signups]


def signups_of(*, user: User) -> QuerySet[SignUp]:
    return (
        SignUp.objects.filter(volunteer__user=user, status=SignUp.Status.SIGNED_UP)
        .select_related("activity__area", "activity__team")
        .order_by("activity__starts_at")
    )


# ------------------------------------------------------------------------------
# Service records for staff
# ------------------------------------------------------------------------------
def records_decidable_by(*, user: User) -> QuerySet[ServiceRecord]:
    """Records this user may decide: of the teams they lead, or in the area they coordinate;
    never their own."""
    if not user.is_authenticated:
        return ServiceRecord.objects.none()
    queryset = ServiceRecord.objects.select_related("volunteer__person", "activity", "team", "area")
    if not user.is_superuser:
        allowed = Q(team__leaders=user)
        if user.role_codes & COORDINATOR_ROLES:
            scope = portal_selectors.user_scope_area(user=user)
            if scope is not None:
                allowed |= Q(area__path__startswith=scope.path)
        queryset = queryset.filter(allowed).distinct()
    return queryset.exclude(volunteer_user=user).exclude(volunteer__user=user)


def pending_records_for(*, user: User) -> QuerySet[ServiceRecord]:
    return (
        records_decidable_by(user=user).filter(state=ServiceRecord.State.PENDING).order_by("started_at", "pk")
    )


# ------------------------------------------------------------------------------
# Stars and role models
# ------------------------------------------------------------------------------
def star_notices_current(*, district: Area, today: datetime.date | None = None) -> QuerySet[StarNotice]:
    today = today or timezone.localdate()
    return (
        StarNotice.objects.filter(district=district, published_on__lte=today, publish_until__gte=today)
        .select_related("volunteer__person")
        .order_by("-level", "published_on")
    )


def role_models(*, district: Area, year: int | None = None, status: str | None = None) -> QuerySet[RoleModel]:
    queryset = RoleModel.objects.filter(district=district).select_related(
        "volunteer__person", "volunteer__street"
    )
    if year:
        queryset = queryset.filter(year=year)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def role_model_nominations_for(*, user: User) -> QuerySet[RoleModel]:
    return portal_selectors.visible_to(
        RoleModel.objects.select_related("volunteer__person", "volunteer__street"),
        user=user,
        area_field="volunteer__area",
    )


# ------------------------------------------------------------------------------
# Metrics and progress
# ------------------------------------------------------------------------------
def activities_by_street_channel(
    *, streets, since: datetime.datetime, until: datetime.datetime
) -> dict[tuple[int, int], int]:
    """Published or held activities (open or closed, not draft or cancelled) starting in
    [since, until), counted per (street id, channel id): an activity counts for the street whose
    area is or contains the activity's area (path prefix). One aggregate query whatever the data:
    the street of each activity is a CASE over the given streets' paths. For the campaign site's
    五进 coverage view."""
    streets = list(streets)
    if not streets:
        return {}
    street_of = Case(
        *[When(area__path__startswith=s.path, then=Value(s.pk)) for s in streets],
        default=None,
        output_field=IntegerField(),
    )
    rows = (
        Activity.objects.filter(
            status__in=[Activity.Status.OPEN, Activity.Status.CLOSED],
            starts_at__gte=since,
            starts_at__lt=until,
        )
        .annotate(street_id=street_of)
        .filter(street_id__isnull=False)
        .values_list("street_id", "channel_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(street_id, channel_id): n for street_id, channel_id, n in rows}


def registered_volunteers_count(*, district: Area, year: int) -> int:
    """Approved volunteers of the district registered by the end of ``year`` (cumulative)."""
    return VolunteerProfile.objects.filter(
        district=district, status=VolunteerProfile.Status.APPROVED, decided_at__year__lte=year
    ).count()


def role_models_count(*, district: Area, year: int) -> int:
    """Role models the district has selected up to ``year`` (the plan counts the period)."""
    return RoleModel.objects.filter(
        district=district, status=RoleModel.Status.SELECTED, year__lte=year
    ).count()


@dataclass
class StreetProgress:
    street: Area
    registered: int
    reference: int | None  # 3% of the street's population when configured


@dataclass
class Progress:
    district: Area
    target: Decimal | None
    reference: int | None
    registered: int
    pending: int
    active: int
    by_street: list[StreetProgress]
    hours_by_type: list[tuple[str, Decimal]]
    hours_by_channel: list[tuple[str, Decimal]]
    hours_by_month: list[tuple[datetime.date, Decimal]]

    @property
    def active_share(self) -> Decimal | None:
        if not self.registered:
            return None
        return (Decimal(self.active) * 100 / self.registered).quantize(Decimal("0.1"))

    @property
    def target_share(self) -> Decimal | None:
        if not self.target:
            return None
        return min(Decimal(100), Decimal(self.registered) * 100 / self.target).quantize(Decimal("0.1"))


def _reference(population: int | None) -> int | None:
    return int(population * REFERENCE_SHARE) if population else None


def progress(*, user: User, district: Area, today: datetime.date | None = None) -> Progress:
    """Registered (approved) volunteers against the plan target and the 3% reference line, by
    street; the share active in the last 12 months; approved hours by type, channel and month
    (last 12 months). Everything is counted in the database, scoped to what the user may see:
    a street coordinator gets their street only. A fixed number of queries."""
    today = today or timezone.localdate()
    profiles = _scoped(VolunteerProfile.objects.filter(district=district), user=user, district=district)
    year_ago = timezone.now() - datetime.timedelta(days=365)
    approved = Q(status=VolunteerProfile.Status.APPROVED)
    per_street_rows = (
        profiles.values_list("street_id")
        .annotate(
            # counting a column of (district, street, status, last_served_at): an index-only scan
            registered=Count("street", filter=approved),
            pending=Count("street", filter=Q(status=VolunteerProfile.Status.PENDING)),
            active=Count("street", filter=approved & Q(last_served_at__gte=year_ago)),
        )
        .order_by()
        .values_list("street_id", "registered", "pending", "active")
    )
    per_street, counts = {}, {"registered": 0, "pending": 0, "active": 0}
    for street_id, registered, pending, active in per_street_rows:  # one query, totals summed here
        per_street[street_id] = registered
        counts["registered"] += registered
        counts["pending"] += pending
        counts["active"] += active
    streets = _visible_streets(user=user, district=district)
    by_street = [
        StreetProgress(
            street=s, registered=per_street.get(s.pk, 0), reference=_reference(s.resident_population)
        )
        for s in streets
    ]
    target = None
    period = portal_selectors.plan_period_current(district=district, year=today.year)
    if period is not None:
        target = (
            Target.objects.filter(period=period, metric=Metric.REGISTERED_VOLUNTEERS, kind=Target.Kind.TARGET)
            .values_list("value", flat=True)
            .first()
        )
    # Hours come from the aggregates the services keep (HoursTally, MonthlyHoursTally), not
    # from the records: a few thousand rows per district whatever the number of records.
    tallies = _scoped(
        HoursTally.objects.filter(area__path__startswith=district.path), user=user, district=district
    )
    type_labels = dict(ActivityType.choices)
    by_type = [
        (str(type_labels.get(k, k)), v or Decimal(0))
        for k, v, _n in tallies.values_list("activity_type")
        .annotate(h=Sum("hours"), n=Sum("records"))
        .filter(n__gt=0)
        .order_by("-h", "activity_type")
        .values_list("activity_type", "h", "n")
    ]
    channel_name = Subquery(Channel.objects.filter(pk=OuterRef("channel_key")).values("name")[:1])
    by_channel = [
        (name or _("No channel"), v or Decimal(0))
        for name, v, _n in tallies.values_list("channel_key")
        .annotate(h=Sum("hours"), n=Sum("records"))
        .filter(n__gt=0)
        .annotate(name=channel_name)
        .order_by("-h", "channel_key")
        .values_list("name", "h", "n")
    ]
    first_month = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    months = _scoped(
        MonthlyHoursTally.objects.filter(area__path__startswith=district.path, month__gte=first_month),
        user=user,
        district=district,
    )
    by_month = [
        (m, v or Decimal(0))
        for m, v, _n in months.values_list("month")
        .annotate(h=Sum("hours"), n=Sum("records"))
        .filter(n__gt=0)
        .order_by("month")
        .values_list("month", "h", "n")
    ]
    return Progress(
        district=district,
        target=target,
        reference=_reference(district.resident_population),
        registered=counts["registered"],
        pending=counts["pending"],
        active=counts["active"],
        by_street=by_street,
        hours_by_type=by_type,
        hours_by_channel=by_channel,
        hours_by_month=by_month,
    )


def _scoped(queryset: QuerySet, *, user: User, district: Area, area_field: str = "area") -> QuerySet:
    """``visible_to`` for a queryset already restricted to ``district``: staff of the whole
    district (or above) need no area filter, which spares the dashboard a join per query."""
    if user.is_authenticated and user.is_superuser:
        return queryset
    scope = portal_selectors.user_scope_area(user=user)
    if scope is not None and district.path.startswith(scope.path):
        return queryset
    return portal_selectors.visible_to(queryset, user=user, area_field=area_field)


def _visible_streets(*, user: User, district: Area) -> list[Area]:
    # Only what the dashboard shows: 300 street rows with every column (two timestamps each to
    # parse) were a third of the page's Python time.
    streets = (
        Area.objects.filter(parent=district, level=Area.Level.STREET)
        .only("pk", "name", "path", "resident_population")
        .order_by("sort_order", "name")
    )
    if user.is_authenticated and user.is_superuser:
        return list(streets)
    scope = portal_selectors.user_scope_area(user=user)
    if scope is None:
        return []
    if district.path.startswith(scope.path):
        return list(streets)
    return [s for s in streets if s.path.startswith(scope.path) or scope.path.startswith(s.path)]


def progress_public(*, district: Area) -> dict:
    """The public figures: registered against target and reference, no personal data."""
    registered = registered_volunteers_count(district=district, year=timezone.localdate().year)
    return {"registered": registered, "reference": _reference(district.resident_population)}


# ------------------------------------------------------------------------------
# Exports (layout documented in docs/architecture.md, "volunteers")
# ------------------------------------------------------------------------------
ROSTER_COLUMNS = [
    "序号",
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "手机号码",
    "志愿者编号",
    "所属区",
    "所属街道",
    "所属社区",
    "服务技能",
    "可服务时间",
    "注册日期",
    "审核状态",
    "累计服务时长（小时）",
    "星级",
]
HOURS_COLUMNS = [
    "序号",
    "志愿者编号",
    "姓名",
    "证件号码",
    "服务项目",
    "服务类型",
    "宣传渠道",
    "服务区域",
    "开始时间",
    "结束时间",
    "服务时长（小时）",
    "记录方式",
    "审核状态",
    "审核时间",
]


def _workbook(title: str, columns: list[str], rows) -> bytes:
    return rows_xlsx(title=title, columns=columns, rows=rows)


def _local(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def roster_xlsx(
    *, user: User, status: str | None = VolunteerProfile.Status.APPROVED, street: Area | None = None
) -> bytes:
    """The roster of the user's area as xlsx (sheet 志愿者名册), ID numbers and phones masked."""
    from volunteers.models import Availability, Skill

    skills, times = dict(Skill.choices), dict(Availability.choices)
    profiles = roster_for(user=user, status=status, street=street).order_by("number", "pk")
    rows = (
        [
            index,
            p.person.name,
            str(p.person.get_id_type_display()),
            p.person.id_number_masked,
            str(p.person.get_gender_display()),
            p.person.birth_date.isoformat() if p.person.birth_date else "",
            p.person.phone_masked,
            p.number or "",
            p.district.name,
            p.street.name,
            p.community.name if p.community_id else "",
            "、".join(str(skills.get(s, s)) for s in p.skills),
            "、".join(str(times.get(s, s)) for s in p.availability),
            timezone.localtime(p.created_at).date().isoformat(),
            str(p.get_status_display()),
            float(p.approved_hours),
            p.star_level,
        ]
        for index, p in enumerate(profiles.iterator(chunk_size=2000), start=1)
    )
    return _workbook("志愿者名册", ROSTER_COLUMNS, rows)


def hours_xlsx(
    *, user: User, year: int | None = None, state: str | None = ServiceRecord.State.APPROVED
) -> bytes:
    """Service records of the user's area as xlsx (sheet 服务时长), for import into the national system."""
    records = portal_selectors.visible_to(
        ServiceRecord.objects.select_related("volunteer__person", "channel", "area"),
        user=user,
        area_field="area",
    )
    if state:
        records = records.filter(state=state)
    if year:
        records = records.filter(started_at__year=year)
    types = dict(ActivityType.choices)
    origins = dict(ServiceRecord.Origin.choices)
    states = dict(ServiceRecord.State.choices)
    rows = (
        [
            index,
            r.volunteer.number or "",
            r.volunteer.person.name,
            r.volunteer.person.id_number_masked,
            r.title,
            str(types.get(r.activity_type, r.activity_type)),
            r.channel.name if r.channel_id else "",
            r.area.name,
            _local(r.started_at),
            _local(r.ended_at),
            float(r.hours),
            str(origins.get(r.origin, r.origin)),
            str(states.get(r.state, r.state)),
            _local(r.decided_at),
        ]
        for index, r in enumerate(records.order_by("started_at", "pk").iterator(chunk_size=2000), start=1)
    )
    return _workbook("服务时长", HOURS_COLUMNS, rows)


def user_is_coordinator(*, user: User, area: Area) -> bool:
    return user_coordinates(user=user, area=area)


def user_roles_for_menu(*, user: User) -> dict:
    """What the menu needs to show: is the user a volunteer, a leader, a coordinator."""
    if not user.is_authenticated:
        return {"volunteer": False, "leader": False, "coordinator": False}
    codes = user.role_codes
    return {
        "volunteer": VolunteerProfile.objects.filter(user=user).exists(),
        "leader": Role.TEAM_LEADER in codes or Team.leaders.through.objects.filter(user_id=user.pk).exists(),
        "coordinator": bool(codes & COORDINATOR_ROLES) or user.is_superuser,
    }

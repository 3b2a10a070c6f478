"""Training reads. Staff queries go through ``portal.selectors.visible_to``; counts are aggregated
in the database (constant query counts, no per-row Python loops)."""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import ExtractMonth, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, Certificate, CertificateKind, Metric, Organisation, Person, Role, Target, User
from portal.selectors import plan_period_current, user_can_act_in, visible_to
from portal.xlsx import workbook_bytes
from training.models import Assessment, Booking, Category, PracticalItem, Session, Tally, Venue

STAFF_VIEW_ROLES = {Role.TRAINER, Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR}


# ------------------------------------------------------------------------------
# Sessions and venues
# ------------------------------------------------------------------------------
def _with_seats(queryset: QuerySet[Session]) -> QuerySet[Session]:
    taken = Count("bookings", filter=Q(bookings__status__in=Booking.SEAT_STATUSES))
    waiting = Count("bookings", filter=Q(bookings__status=Booking.Status.WAITLISTED))
    return (
        queryset.annotate(seats_taken=taken, waiting_count=waiting)
        .annotate(
            seats_left=Greatest(F("capacity") - F("seats_taken"), Value(0), output_field=IntegerField())
        )
        .select_related("venue", "channel", "area")
        .prefetch_related(Prefetch("items", queryset=PracticalItem.objects.order_by("sort_order", "code")))
    )


def sessions_upcoming(
    *,
    now: datetime.datetime | None = None,
    kind: str | None = None,
    area: Area | None = None,
    venue: Venue | None = None,
) -> QuerySet[Session]:
    """Open sessions that have not ended, soonest first, annotated ``seats_taken``, ``seats_left``,
    ``waiting_count``; venue/channel/area joined, items prefetched (3 queries whatever the size).
    ``area`` includes the sessions of every area below it."""
    now = now or timezone.now()
    queryset = Session.objects.filter(status=Session.Status.OPEN, ends_at__gt=now)
    if kind:
        queryset = queryset.filter(kind=kind)
    if area is not None:
        queryset = queryset.filter(area__path__startswith=area.path)
    if venue is not None:
        queryset = queryset.filter(venue=venue)
    return _with_seats(queryset).order_by("starts_at", "pk")


def sessions_for_staff(*, user: User, include_past: bool = True) -> QuerySet[Session]:
    """Sessions in the staff user's area (any status), annotated like ``sessions_upcoming``."""
    queryset = visible_to(Session.objects.all(), user=user)
    if not include_past:
        queryset = queryset.filter(ends_at__gt=timezone.now())
    return _with_seats(queryset).order_by("-starts_at", "pk")


def session_with_seats(*, session_id: int) -> Session:
    return _with_seats(Session.objects.filter(pk=session_id)).get()


def venues_public() -> QuerySet[Venue]:
    return Venue.objects.filter(is_active=True).select_related("area").order_by("area__path", "name")


def venues_visible_to(*, user: User) -> QuerySet[Venue]:
    """Venues a staff user may create sessions at (area scoping)."""
    return visible_to(venues_public(), user=user).prefetch_related("extra_items")


def practical_items() -> QuerySet[PracticalItem]:
    return PracticalItem.objects.order_by("sort_order", "code")


# ------------------------------------------------------------------------------
# Bookings
# ------------------------------------------------------------------------------
def user_can_see_booking(*, user: User, booking: Booking) -> bool:
    """The booker, the person themself, the manager of the booking's unit, or staff of the area."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or booking.booked_by_id == user.pk:
        return True
    if Person.objects.filter(pk=booking.person_id, user=user).exists():
        return True
    if booking.organisation_id and booking.organisation.managers.filter(pk=user.pk).exists():
        return True
    return user_can_act_in(user=user, area=booking.session.area, roles=STAFF_VIEW_ROLES)


def booking_for(*, user: User, booking_id: int) -> Booking | None:
    """The booking if ``user`` may see it, else None (the API answers 404 for both)."""
    booking = (
        Booking.objects.select_related("session", "session__venue", "session__area", "person", "organisation")
        .prefetch_related("assessments__item")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or not user_can_see_booking(user=user, booking=booking):
        return None
    return booking


def bookings_of_user(*, user: User) -> QuerySet[Booking]:
    """The caller's own bookings (as the person), newest session first."""
    return (
        Booking.objects.filter(person__user=user)
        .select_related("session", "session__venue", "session__channel")
        .order_by("-session__starts_at")
    )


def session_roster(*, session: Session) -> QuerySet[Booking]:
    """Bookings of a session with person and item results (for the check-in and sign-off grid)."""
    return (
        session.bookings.exclude(status=Booking.Status.CANCELLED)
        .select_related("person", "organisation")
        .prefetch_related(Prefetch("assessments", queryset=Assessment.objects.select_related("item")))
        .order_by("status", "person__name", "pk")
    )


def session_bookings_search(*, session: Session, query: str) -> QuerySet[Booking]:
    """Manual check-in fallback: by name (contains) or the last 4 digits of the phone."""
    query = (query or "").strip()
    base = session_roster(session=session)
    if not query:
        return base.none()
    if query.isdigit() and len(query) == 4:
        return base.filter(person__phone_masked__endswith=query)
    return base.filter(person__name__contains=query)


def certificate_of_booking(*, booking: Booking) -> Certificate | None:
    booking_type = ContentType.objects.get_for_model(Booking)
    return Certificate.objects.filter(
        source_type=booking_type, source_id=booking.pk, kind=CertificateKind.TRAINING
    ).first()


def certificate_numbers(*, booking_ids: list[int]) -> dict[int, str]:
    """booking id → certificate number, in one query."""
    booking_type = ContentType.objects.get_for_model(Booking)
    rows = Certificate.objects.filter(
        source_type=booking_type, source_id__in=booking_ids, kind=CertificateKind.TRAINING
    ).values_list("source_id", "number")
    return dict(rows)


def certificates_for(
    *, user: User, session: Session | None = None, organisation: Organisation | None = None
) -> QuerySet[Certificate]:
    """Valid training certificates of a session's or a unit's bookings, if the user may see them:
    area staff (visible_to) or, for a unit, its safety manager."""
    bookings = Booking.objects.all()
    if session is not None:
        bookings = bookings.filter(session=session)
    if organisation is not None:
        bookings = bookings.filter(organisation=organisation)
    if not (organisation is not None and organisation.managers.filter(pk=user.pk).exists()):
        bookings = visible_to(bookings, user=user, area_field="session__area")
    booking_type = ContentType.objects.get_for_model(Booking)
    return Certificate.objects.filter(
        source_type=booking_type,
        kind=CertificateKind.TRAINING,
        status=Certificate.Status.VALID,
        source_id__in=bookings.values("pk"),
    ).order_by("number")


# ------------------------------------------------------------------------------
# Units and people
# ------------------------------------------------------------------------------
def organisations_managed_by(*, user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(managers=user).select_related("area").order_by("name")


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def unit_staff_status(*, organisation: Organisation, year: int) -> QuerySet[Person]:
    """The unit's people, annotated ``trained_this_year`` (attended) and ``passed_this_year``, in two
    queries whatever the number of bookings (also ``trained``/``passed``/``booked`` for the unit
    page). Show ``name`` masked and ``phone_masked``/``id_number_masked`` only."""
    start, end = _year_bounds(year)
    # First the unit's people (one UNION of two index lookups), then their attendance: a join or
    # an OR over every booking scanned the whole person table and PostgreSQL hashed every attended
    # booking of the year for the EXISTS — 2.5 s per view at 300 000 bookings. Given the ids as
    # values, the plan is a few index lookups per person.
    people = [
        pk
        for pk in Person.objects.filter(organisation=organisation)
        .order_by()
        .values_list("pk", flat=True)
        .union(
            Booking.objects.filter(organisation=organisation).order_by().values_list("person_id", flat=True)
        )
    ]
    attended = Booking.objects.filter(
        person=OuterRef("pk"),
        status=Booking.Status.ATTENDED,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
    )
    return (
        Person.objects.filter(pk__in=people)
        .annotate(trained_this_year=Exists(attended), passed_this_year=Exists(attended.filter(passed=True)))
        .order_by("trained_this_year", "name", "pk")
    )


def person_training_status(*, person: Person, year: int | None = None) -> dict:
    """What the volunteers page (and the trainee's own page) shows about one person's training:
    ``category`` (1–7 or None), ``trained_this_year``, ``passed_this_year``, ``last_passed_on``
    (date or None), ``certificates`` (list of valid numbers) and ``upcoming`` (booking count).
    Three queries."""
    year = year or timezone.localdate().year
    start, end = _year_bounds(year)
    stats = Booking.objects.filter(person=person).aggregate(
        trained=Count(
            "pk",
            filter=Q(
                status=Booking.Status.ATTENDED, session__starts_at__gte=start, session__starts_at__lt=end
            ),
        ),
        passed=Count("pk", filter=Q(passed=True, session__starts_at__gte=start, session__starts_at__lt=end)),
        upcoming=Count(
            "pk",
            filter=Q(
                status__in=(Booking.Status.BOOKED, Booking.Status.OFFERED),
                session__starts_at__gte=timezone.now(),
            ),
        ),
    )
    last = (
        Booking.objects.filter(person=person, passed=True)
        .order_by("-session__starts_at")
        .values_list("session__starts_at", flat=True)
        .first()
    )
    profile_category = (
        Person.objects.filter(pk=person.pk).values_list("trainee_profile__category", flat=True).first()
    )
    booking_type = ContentType.objects.get_for_model(Booking)
    numbers = list(
        Certificate.objects.filter(
            holder=person,
            kind=CertificateKind.TRAINING,
            status=Certificate.Status.VALID,
            source_type=booking_type,
        ).values_list("number", flat=True)
    )
    return {
        "category": profile_category,
        "trained_this_year": stats["trained"] > 0,
        "passed_this_year": stats["passed"] > 0,
        "last_passed_on": timezone.localtime(last).date() if last else None,
        "certificates": numbers,
        "upcoming": stats["upcoming"],
    }


# ------------------------------------------------------------------------------
# Annual counts (dashboard, metrics, export)
# ------------------------------------------------------------------------------
@dataclass
class AnnualCounts:
    area: Area
    year: int
    trained: int = 0  # distinct people who attended
    passed: int = 0  # distinct people who passed every item
    extinguisher_trained: int = 0
    extinguisher_passed: int = 0
    hydrant_trained: int = 0
    hydrant_passed: int = 0
    by_category: list[dict] = field(default_factory=list)  # {category, label, trained, passed}
    by_street: list[dict] = field(default_factory=list)  # {area_id, name, trained, passed}
    by_venue: list[dict] = field(default_factory=list)  # {venue_id, name, trained, passed}
    by_month: list[dict] = field(default_factory=list)  # {month 1-12, trained, passed}
    targets: list[dict] = field(default_factory=list)  # {metric, kind, value, label, district}


def _attended_in(*, area: Area, year: int) -> QuerySet[Booking]:
    start, end = _year_bounds(year)
    return Booking.objects.filter(
        status=Booking.Status.ATTENDED,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
        session__area__path__startswith=area.path,
    )


def _people(queryset: QuerySet, *group: str) -> list[dict]:
    return list(
        queryset.values(*group)
        .annotate(
            trained=Count("person", distinct=True),
            passed=Count("person", filter=Q(passed=True), distinct=True),
            fire=Count(
                "person",
                filter=Q(assessments__item__code=PracticalItem.EXTINGUISHER, assessments__result="pass"),
                distinct=True,
            ),
            hydrant=Count(
                "person",
                filter=Q(assessments__item__code=PracticalItem.HYDRANT, assessments__result="pass"),
                distinct=True,
            ),
        )
        .order_by(*group)
    )


def annual_counts(*, area: Area, year: int) -> AnnualCounts:
    """People trained (attended) and passed in ``year`` within ``area`` (and below), overall, for
    灭真火 and 出真水, by category, street, venue and month, with the district's targets. A person
    counts once per group.

    A district reads the tally the services keep (``training.tally``): one query for the numbers,
    two for street and venue names, the targets' two, whatever the number of bookings. A street
    or smaller area is recounted from the bookings (``annual_counts_recount``)."""
    if area.level != Area.Level.DISTRICT:
        return annual_counts_recount(area=area, year=year)
    counts = AnnualCounts(area=area, year=year)
    rows: dict[str, list] = {}
    fields = ("dimension", "key", "trained", "passed", "fire", "hydrant")
    tally = Tally.objects.filter(district=area, year=year, trained__gt=0).order_by("dimension", "key")
    for row in tally.values_list(*fields, named=True):
        rows.setdefault(row.dimension, []).append(row)

    def measures(row) -> dict:
        return {"trained": row.trained, "passed": row.passed, "fire": row.fire, "hydrant": row.hydrant}

    for row in rows.get(Tally.Dimension.TOTAL, []):
        counts.trained, counts.passed = row.trained, row.passed
    for row in rows.get(Tally.Dimension.ITEM, []):
        code = PracticalItem.EXTINGUISHER if row.key == 1 else PracticalItem.HYDRANT
        setattr(counts, f"{code}_trained", row.trained)
        setattr(counts, f"{code}_passed", row.passed)
    labels = dict(Category.choices)
    categories = sorted(rows.get(Tally.Dimension.CATEGORY, []), key=lambda r: (r.key == 0, r.key))
    counts.by_category = [
        {
            "category": r.key or None,
            "label": str(labels.get(r.key, _("Not given"))),
            **measures(r),
        }
        for r in categories
    ]
    streets = rows.get(Tally.Dimension.STREET, [])
    names = dict(Area.objects.filter(pk__in=[r.key for r in streets if r.key]).values_list("pk", "name"))
    counts.by_street = [
        {
            "area_id": r.key or None,
            "name": names.get(r.key, "") if r.key else str(_("District level")),
            **measures(r),
        }
        for r in streets
    ]
    venues = rows.get(Tally.Dimension.VENUE, [])
    venue_names = dict(Venue.objects.filter(pk__in=[r.key for r in venues]).values_list("pk", "name"))
    counts.by_venue = [{"venue_id": r.key, "name": venue_names.get(r.key, ""), **measures(r)} for r in venues]
    counts.by_month = [{"month": r.key, **measures(r)} for r in rows.get(Tally.Dimension.MONTH, [])]
    counts.targets = targets_for(area=area, year=year)
    return counts


def annual_counts_recount(*, area: Area, year: int) -> AnnualCounts:
    """``annual_counts`` straight from the bookings: eight aggregate queries over the area's
    attended bookings of the year (their cost grows with them). The reference the tally is
    tested against, and the answer for areas below a district."""
    attended = _attended_in(area=area, year=year)
    counts = AnnualCounts(area=area, year=year)
    totals = attended.aggregate(
        trained=Count("person", distinct=True), passed=Count("person", filter=Q(passed=True), distinct=True)
    )
    counts.trained, counts.passed = totals["trained"], totals["passed"]
    items = (
        Assessment.objects.filter(booking__in=attended, item__code__in=PracticalItem.STANDARD_CODES)
        .values("item__code")
        .annotate(
            trained=Count("booking__person", distinct=True),
            passed=Count("booking__person", filter=Q(result=Assessment.Result.PASS), distinct=True),
        )
    )
    for row in items:
        setattr(counts, f"{row['item__code']}_trained", row["trained"])
        setattr(counts, f"{row['item__code']}_passed", row["passed"])
    labels = dict(Category.choices)
    counts.by_category = [
        {
            "category": r["category"],
            "label": str(labels.get(r["category"], _("Not given"))),
            "trained": r["trained"],
            "passed": r["passed"],
            "fire": r["fire"],
            "hydrant": r["hydrant"],
        }
        for r in _people(attended, "category")
    ]
    # Street = the second element of the session area's path (district/street/...).
    street_rows = _people(attended.annotate(street_path=_street_path()), "street_path")
    street_ids = [int(r["street_path"]) for r in street_rows if r["street_path"]]
    names = dict(Area.objects.filter(pk__in=street_ids).values_list("pk", "name"))
    counts.by_street = [
        {
            "area_id": int(r["street_path"]) if r["street_path"] else None,
            "name": names.get(int(r["street_path"]), "") if r["street_path"] else str(_("District level")),
            "trained": r["trained"],
            "passed": r["passed"],
            "fire": r["fire"],
            "hydrant": r["hydrant"],
        }
        for r in street_rows
    ]
    counts.by_venue = [
        {
            "venue_id": r["session__venue"],
            "name": r["session__venue__name"],
            "trained": r["trained"],
            "passed": r["passed"],
            "fire": r["fire"],
            "hydrant": r["hydrant"],
        }
        for r in _people(attended, "session__venue", "session__venue__name")
    ]
    counts.by_month = [
        {
            "month": r["month"],
            "trained": r["trained"],
            "passed": r["passed"],
            "fire": r["fire"],
            "hydrant": r["hydrant"],
        }
        for r in _people(attended.annotate(month=ExtractMonth("session__starts_at")), "month")
    ]
    counts.targets = targets_for(area=area, year=year)
    return counts


_REST = "substr(P, instr(substr(P, 2), '/') + 2)"  # "/1/7/56/" -> "7/56/"
_SQLITE_STREET = (
    f"(CASE WHEN instr({_REST}, '/') > 0 THEN substr({_REST}, 1, instr({_REST}, '/') - 1) ELSE '' END)"
)


def _street_path(path_field: str = "session__area__path"):
    """SQL: the street id out of an area path ("/district/street/..."), or '' at district level."""
    from django.db.models import CharField, Func

    class SplitPart(Func):
        function = "SPLIT_PART"
        output_field = CharField()

        def as_sqlite(self, compiler, connection, **extra):
            # SQLite has no split_part: the text between the 2nd and 3rd "/" via instr/substr.
            return self.as_sql(
                compiler,
                connection,
                template=_SQLITE_STREET.replace("P", "%(expressions)s"),
                arg_joiner="",
                **extra,
            )

    class StreetOf(SplitPart):
        template = "%(function)s(%(expressions)s, '/', 3)"

    return StreetOf(F(path_field))


def sessions_by_street_channel(*, streets, since: datetime.datetime, until: datetime.datetime) -> dict:
    """Sessions (not cancelled) starting in [since, until), counted per (street id, channel id),
    for the campaign site's 五进 coverage. ``streets`` are street Areas (or their ids); a session
    counts for the street that is or contains its area (the street element of the area path).
    One aggregate query, whatever the number of sessions; pairs without sessions are absent."""
    street_ids = {s if isinstance(s, int) else s.pk for s in streets}
    if not street_ids:
        return {}
    rows = (
        Session.objects.filter(starts_at__gte=since, starts_at__lt=until)
        .exclude(status=Session.Status.CANCELLED)
        .annotate(street=_street_path("area__path"))
        .filter(street__in=[str(pk) for pk in street_ids])
        .values("street", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(int(r["street"]), r["channel"]): r["n"] for r in rows}


def targets_for(*, area: Area, year: int) -> list[dict]:
    """The district's training targets and reference lines for the year (two metrics)."""
    district = area if area.level == Area.Level.DISTRICT else Area.objects.get(pk=area.district_id)
    period = plan_period_current(district=district, year=year)
    if period is None:
        return []
    rows = Target.objects.filter(
        period=period, metric__in=(Metric.TRAINEES_PASSED_PER_YEAR, Metric.TRAINEES_TRAINED_PER_YEAR)
    ).order_by("metric", "kind")
    return [
        {
            "metric": t.metric,
            "kind": t.kind,
            "value": int(t.value),
            "label": str(t.get_metric_display()),
            "district": district.name,
        }
        for t in rows
    ]


def _district_total(district: Area, year: int, measure: str) -> int:
    row = Tally.objects.filter(district=district, year=year, dimension=Tally.Dimension.TOTAL).first()
    return getattr(row, measure) if row else 0


def trainees_passed_count(*, district: Area, year: int) -> int:
    """Metric TRAINEES_PASSED_PER_YEAR: distinct people who passed in the district this year (tally)."""
    return _district_total(district, year, "passed")


def trainees_trained_count(*, district: Area, year: int) -> int:
    """Metric TRAINEES_TRAINED_PER_YEAR: distinct people trained (attended) in the district this year."""
    return _district_total(district, year, "trained")


def annual_counts_xlsx(*, counts: AnnualCounts) -> bytes:
    """The dashboard's numbers as an xlsx workbook: summary, category, street, venue, month sheets."""
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    summary.title = str(_("Summary"))
    summary.append([str(_("Area")), counts.area.name, str(_("Year")), counts.year])
    summary.append([str(_("Measure")), str(_("Trained")), str(_("Passed"))])
    summary.append([str(_("All practical training")), counts.trained, counts.passed])
    summary.append(["灭火器“灭真火”", counts.extinguisher_trained, counts.extinguisher_passed])
    summary.append(["消火栓“出真水”", counts.hydrant_trained, counts.hydrant_passed])
    summary.append([])
    summary.append([str(_("Target")), str(_("Kind")), str(_("Value"))])
    for target in counts.targets:
        summary.append([target["label"], target["kind"], target["value"]])
    for title, rows, key in (
        (_("By category"), counts.by_category, "label"),
        (_("By street"), counts.by_street, "name"),
        (_("By venue"), counts.by_venue, "name"),
        (_("By month"), counts.by_month, "month"),
    ):
        sheet = workbook.create_sheet(str(title))
        sheet.append([str(title), str(_("Trained")), str(_("Passed"))])
        for row in rows:
            sheet.append([row[key], row["trained"], row["passed"]])
    return workbook_bytes(workbook)


# ------------------------------------------------------------------------------
# Page helpers asked for by the web side (training-requests.md)
# ------------------------------------------------------------------------------
def session_list_upcoming(*, kind: str | None = None, area: Area | None = None, for_units: bool = False):
    """``sessions_upcoming`` for the public list; ``for_units`` keeps only 一警六员实操实训."""
    return sessions_upcoming(kind=Session.Kind.PRACTICAL if for_units else kind, area=area)


def venues_all() -> QuerySet[Venue]:
    return venues_public()


def channels_active():
    from portal.models import Channel

    return Channel.objects.order_by("pk")


def person_of_user(*, user: User) -> Person | None:
    if not user.is_authenticated:
        return None
    return Person.objects.filter(user=user).select_related("trainee_profile").first()


def category_last_used(*, person: Person) -> int | None:
    return Person.objects.filter(pk=person.pk).values_list("trainee_profile__category", flat=True).first()


def booking_item_results(*, booking: Booking) -> list[tuple[str, str]]:
    """[(item name, "pass"|"fail")] in item order."""
    return [
        (a.item.name, a.result)
        for a in Assessment.objects.filter(booking=booking)
        .select_related("item")
        .order_by("item__sort_order")
    ]


def booking_certificate(*, booking: Booking) -> Certificate | None:
    return certificate_of_booking(booking=booking)


def session_items(*, session: Session) -> list[PracticalItem]:
    return list(session.items.order_by("sort_order", "code"))


def session_checkin_counts(*, session: Session) -> dict:
    """{"booked", "checked_in", "waiting", "helpers_in"} in two queries."""
    stats = session.bookings.aggregate(
        booked=Count("pk", filter=Q(status__in=Booking.SEAT_STATUSES)),
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        waiting=Count("pk", filter=Q(status=Booking.Status.WAITLISTED)),
    )
    stats["helpers_in"] = session.helper_shifts.filter(signed_out_at__isnull=True).count()
    return stats


def session_checked_in_count(*, session: Session) -> int:
    return session.bookings.filter(checked_in_at__isnull=False).count()


@dataclass
class SignoffRow:
    booking: Booking
    booking_id: int
    name_masked: str
    category_label: str
    checked_in_at: datetime.datetime | None
    results: dict  # item code -> "pass"/"fail"
    complete: bool


def signoff_rows(*, session: Session) -> list[SignoffRow]:
    """Checked-in trainees with their item results (two queries)."""
    from portal.validators import mask_name

    codes = [i.code for i in session.items.all()]
    bookings = (
        session.bookings.filter(status=Booking.Status.ATTENDED)
        .select_related("person")
        .prefetch_related(Prefetch("assessments", queryset=Assessment.objects.select_related("item")))
        .order_by("checked_in_at", "pk")
    )
    labels = dict(Category.choices)
    rows = []
    for b in bookings:
        results = {a.item.code: a.result for a in b.assessments.all()}
        rows.append(
            SignoffRow(
                booking=b,
                booking_id=b.pk,
                name_masked=mask_name(b.person.name),
                category_label=str(labels.get(b.category, "")),
                checked_in_at=b.checked_in_at,
                results=results,
                complete=bool(codes) and all(results.get(c) == "pass" for c in codes),
            )
        )
    return rows

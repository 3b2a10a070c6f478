"""Training writes. Every rule of issue 3 lives here; views, API, admin and tasks call these.

Error codes (``PortalError.code``): session_full, already_booked, booking_not_open,
booking_closed, session_not_open, category_required, person_required, not_allowed,
not_checked_in, unknown_item, session_closed, session_not_started, no_offer, offer_expired,
roster_invalid, venue_required, bad_series.
"""

import datetime
import io
import time
import uuid
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import codes, services, signals, validators
from portal.errors import PermissionDenied, PortalError
from portal.models import Area, Certificate, CertificateKind, Organisation, Person, Role, User
from portal.selectors import person_find, user_can_act_in
from portal.xlsx import rows_csv, workbook_bytes
from training import tally
from training.models import (
    Assessment,
    Booking,
    BookingNotice,
    Category,
    CheckInAttempt,
    HelperShift,
    PracticalItem,
    Session,
    TraineeProfile,
    Venue,
)

BOOKING_CODE_PURPOSE = "training.booking"
HELPER_CODE_PURPOSE = "training.helper"
CHECKIN_OPENS_BEFORE = datetime.timedelta(minutes=60)
CHECKIN_CLOSES_AFTER = datetime.timedelta(minutes=30)
OFFER_VALID_FOR = datetime.timedelta(hours=12)
REMIND_BEFORE = datetime.timedelta(hours=24)
HELPER_MIN_SHIFT = datetime.timedelta(minutes=2)

# Concurrency control. ``booking_create`` locks the session row (SELECT ... FOR UPDATE) before it
# counts the seats taken. The concurrency test (tests/test_training_concurrency.py) flips
# ``LOCK_SESSION_ROW`` to False, and widens the count→insert gap with ``RACE_PAUSE_SECONDS``, to
# show that without the lock more bookings than seats are written. Nothing else touches these.
LOCK_SESSION_ROW = True
RACE_PAUSE_SECONDS = 0.0

TRAINER_ROLES = {Role.TRAINER, Role.DISTRICT_ADMIN}


class SessionFull(PortalError):
    """No seat left (HTTP 409)."""

    status = 409


# ------------------------------------------------------------------------------
# Permissions
# ------------------------------------------------------------------------------
def user_can_run_session(*, user: User, session: Session) -> bool:
    """Trainers and district admins of the session's area, the session's trainer, a venue trainer."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or session.trainer_id == user.pk:
        return True
    if user_can_act_in(user=user, area=session.area, roles=TRAINER_ROLES):
        return True
    return session.venue.trainers.filter(pk=user.pk).exists()


def _require_run(*, user: User, session: Session) -> None:
    if not user_can_run_session(user=user, session=session):
        raise PermissionDenied(_("Only the trainers of this session may do this."), code="not_allowed")


# ------------------------------------------------------------------------------
# Sessions
# ------------------------------------------------------------------------------
def _default_items(*, venue: Venue, kind: str) -> list[PracticalItem]:
    if kind != Session.Kind.PRACTICAL:
        return []
    standard = list(PracticalItem.objects.filter(code__in=PracticalItem.STANDARD_CODES))
    return standard + list(venue.extra_items.all())


@transaction.atomic
def session_create(
    *,
    venue: Venue,
    kind: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    channel,
    created_by: User,
    capacity: int | None = None,
    title: str = "",
    area: Area | None = None,
    item_codes: list[str] | None = None,
    booking_opens_at: datetime.datetime | None = None,
    booking_closes_at: datetime.datetime | None = None,
    trainer: User | None = None,
    series: uuid.UUID | None = None,
) -> Session:
    """Create one session. Trainers and district admins of the venue's area only.

    ``area`` defaults to the venue's area; ``capacity`` to the venue's; ``item_codes`` to 灭真火 +
    出真水 + the venue's extra items for 一警六员实操实训 and to none for 夜校/开放日 (no sign-off).
    Booking closes at the start unless given. Codes: not_allowed, bad_times, unknown_item.
    """
    area = area or venue.area
    if not user_can_act_in(user=created_by, area=area, roles=TRAINER_ROLES):
        raise PermissionDenied(
            _("Only trainers and district administrators of this area create sessions."), code="not_allowed"
        )
    if ends_at <= starts_at:
        raise PortalError(_("The session must end after it starts."), code="bad_times", field="ends_at")
    if kind not in Session.Kind.values:
        raise PortalError(_("Unknown session kind."), code="bad_kind", field="kind")
    session = Session.objects.create(
        title=title,
        kind=kind,
        venue=venue,
        area=area,
        channel=channel,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity if capacity is not None else venue.capacity,
        booking_opens_at=booking_opens_at,
        booking_closes_at=booking_closes_at or starts_at,
        trainer=trainer or (created_by if Role.TRAINER in created_by.role_codes else None),
        created_by=created_by,
        series=series,
    )
    if item_codes is None:
        items = _default_items(venue=venue, kind=kind)
    else:
        items = list(PracticalItem.objects.filter(code__in=item_codes))
        missing = set(item_codes) - {i.code for i in items}
        if missing:
            raise PortalError(
                _("Unknown practical item: %(codes)s") % {"codes": ", ".join(sorted(missing))},
                code="unknown_item",
                field="items",
            )
    session.items.set(items)
    services.audit_log(actor=created_by, action="training.session.created", target=session, area=area)
    return session


@transaction.atomic
def session_series_create(
    *,
    venue: Venue,
    kind: str,
    weekdays: list[int],
    start_time: datetime.time,
    duration: datetime.timedelta,
    first_date: datetime.date,
    weeks: int,
    channel,
    created_by: User,
    capacity: int | None = None,
    title: str = "",
    item_codes: list[str] | None = None,
) -> list[Session]:
    """Create a series in one step, e.g. every Tuesday and Thursday (``weekdays=[1, 3]``, Monday is
    0) at 09:00 for 8 weeks from ``first_date``. All sessions share one ``series`` id. Code: bad_series."""
    if not weekdays or weeks < 1 or weeks > 52 or any(d not in range(7) for d in weekdays):
        raise PortalError(_("Choose at least one weekday and 1 to 52 weeks."), code="bad_series")
    series = uuid.uuid4()
    tz = timezone.get_current_timezone()
    sessions = []
    for offset in range(weeks * 7):
        day = first_date + datetime.timedelta(days=offset)
        if day.weekday() not in weekdays:
            continue
        starts = datetime.datetime.combine(day, start_time, tzinfo=tz)
        sessions.append(
            session_create(
                venue=venue,
                kind=kind,
                starts_at=starts,
                ends_at=starts + duration,
                channel=channel,
                created_by=created_by,
                capacity=capacity,
                title=title,
                item_codes=item_codes,
                series=series,
            )
        )
    return sessions


@transaction.atomic
def session_cancel(*, session: Session, by: User, reason: str = "") -> Session:
    """Cancel a session: every live booking is cancelled (and told by SMS). Code: session_closed."""
    _require_run(user=by, session=session)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.OPEN:
        raise PortalError(_("This session is no longer open."), code="session_closed")
    session.status = Session.Status.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    live = session.bookings.exclude(status=Booking.Status.CANCELLED)
    for booking_id in live.values_list("pk", flat=True):
        services.outbox_enqueue(
            task_name="training.tasks.booking_notify_task",
            kwargs={"booking_id": booking_id, "event": "session_cancelled"},
        )
    present = session.bookings.filter(status=Booking.Status.ATTENDED).values_list("person_id", flat=True)
    with tally.tallied(present):  # people already checked in no longer count as trained
        live.update(status=Booking.Status.CANCELLED, cancelled_at=timezone.now(), offer_expires_at=None)
    services.audit_log(
        actor=by,
        action="training.session.cancelled",
        target=session,
        area=session.area,
        data={"reason": reason},
    )
    return session


# ------------------------------------------------------------------------------
# Bookings
# ------------------------------------------------------------------------------
def booking_checkin_code(*, booking: Booking) -> str:
    """The booking's QR payload: a signed, purpose-bound booking id. No personal data."""
    return codes.code_issue(purpose=BOOKING_CODE_PURPOSE, object_id=booking.pk)


def helper_code(*, person: Person) -> str:
    """The QR a helping volunteer shows to sign in and out at any session."""
    return codes.code_issue(purpose=HELPER_CODE_PURPOSE, object_id=person.pk)


def _check_bookable(*, session: Session, now: datetime.datetime) -> None:
    if session.status != Session.Status.OPEN:
        raise PortalError(_("This session is not open for booking."), code="session_not_open")
    if session.booking_opens_at and now < session.booking_opens_at:
        raise PortalError(_("Booking for this session has not opened yet."), code="booking_not_open")
    closes = session.booking_closes_at or session.starts_at
    if now >= closes or now >= session.starts_at:
        raise PortalError(_("Booking for this session has closed."), code="booking_closed")


def _resolve_category(*, session: Session, person: Person, category: int | None) -> int | None:
    if category is not None:
        if category not in Category.values:
            raise PortalError(
                _("Choose one of the seven categories."), code="category_required", field="category"
            )
        TraineeProfile.objects.update_or_create(person=person, defaults={"category": category})
        return category
    profile = TraineeProfile.objects.filter(person=person).first()
    if profile is not None:
        return profile.category
    if session.kind == Session.Kind.PRACTICAL:
        raise PortalError(
            _("Choose your 一警六员 category to book this training."),
            code="category_required",
            field="category",
        )
    return None


def _seats_taken(session: Session) -> int:
    return session.bookings.filter(status__in=Booking.SEAT_STATUSES).count()


def _book_locked(
    *,
    session: Session,
    person: Person,
    category: int | None,
    booked_by: User,
    organisation: Organisation | None,
    waitlist: bool,
) -> Booking:
    """Inside a transaction: lock the session row, count seats, write the booking."""
    if LOCK_SESSION_ROW:
        session = Session.objects.select_for_update().get(pk=session.pk)
    else:
        session = Session.objects.get(pk=session.pk)
    now = timezone.now()
    _check_bookable(session=session, now=now)
    category = _resolve_category(session=session, person=person, category=category)
    existing = Booking.objects.filter(session=session, person=person).first()
    if existing is not None and existing.status != Booking.Status.CANCELLED:
        raise PortalError(_("This person is already booked on this session."), code="already_booked")
    taken = _seats_taken(session)
    if RACE_PAUSE_SECONDS:
        time.sleep(RACE_PAUSE_SECONDS)
    status = Booking.Status.BOOKED
    if taken >= session.capacity:
        if not waitlist:
            raise SessionFull(_("This session is full."), code="session_full")
        status = Booking.Status.WAITLISTED
    if existing is not None:  # booking again after a cancellation
        existing.status = status
        existing.category = category
        existing.booked_by = booked_by
        existing.organisation = organisation
        existing.cancelled_at = None
        existing.offer_expires_at = None
        existing.save()
        booking = existing
    else:
        try:
            with transaction.atomic():
                booking = Booking.objects.create(
                    session=session,
                    person=person,
                    category=category,
                    booked_by=booked_by,
                    organisation=organisation,
                    status=status,
                )
        except IntegrityError as exc:
            raise PortalError(
                _("This person is already booked on this session."), code="already_booked"
            ) from exc
    services.outbox_enqueue(
        task_name="training.tasks.booking_notify_task",
        kwargs={
            "booking_id": booking.pk,
            "event": "waitlisted" if status == Booking.Status.WAITLISTED else "booked",
        },
    )
    return booking


def _person_for(
    *, name: str, phone: str, id_number: str, organisation: Organisation | None, user: User | None = None
) -> Person:
    """Reuse the person with this ID number (by keyed hash) or create one through the kernel."""
    existing = person_find(
        id_type=Person.IdType.RESIDENT_ID, id_number=validators.normalize_id_number(id_number)
    )
    if existing is not None:
        if user is not None and existing.user_id is None and existing.name == name.strip():
            # Through the kernel: it sends person_identified (courses issue held certificates).
            existing = services.person_link_user(person=existing, user=user)
        changed = []
        if organisation is not None and existing.organisation_id is None:
            existing.organisation = organisation
            changed.append("organisation")
        if changed:
            existing.save(update_fields=[*changed, "updated_at"])
        return existing
    return services.person_create(
        name=name, id_number=id_number, phone=phone, organisation=organisation, user=user
    )


@transaction.atomic
def booking_create(
    *,
    session: Session,
    user: User,
    category: int | None = None,
    person: dict | None = None,
    organisation: Organisation | None = None,
    waitlist: bool = False,
) -> Booking:
    """Book a seat.

    * ``person`` None: the caller books themself. Their ``Person`` is ``user.person``; the category
      defaults to the one they chose last time (TraineeProfile). Without a Person: person_required.
    * ``person={"name", "phone", "id_number", "category"}``: a unit safety manager books a member of
      staff; the Person is reused by ID number or created via ``portal.services.person_create``.

    A full session raises session_full (HTTP 409), or with ``waitlist=True`` puts the person on
    the waiting list (status waitlisted). The seat count is taken under a row lock on the session.
    Codes: session_full, already_booked, booking_not_open, booking_closed, session_not_open,
    category_required, person_required, not_allowed; ValidationError for bad name/phone/ID.
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Sign in to book."), code="not_allowed")
    if person is None:
        who = Person.objects.filter(user=user).first()
        if who is None:
            raise PortalError(
                _("Tell us your name and ID number once before booking."), code="person_required"
            )
    else:
        if not (
            user.is_superuser
            or Role.UNIT_MANAGER in user.role_codes
            or Role.DISTRICT_ADMIN in user.role_codes
        ):
            raise PermissionDenied(_("Only unit safety managers book other people."), code="not_allowed")
        if organisation is None:
            organisation = Organisation.objects.filter(managers=user).order_by("pk").first()
        elif not (user.is_superuser or organisation.managers.filter(pk=user.pk).exists()):
            raise PermissionDenied(_("You do not manage this unit."), code="not_allowed")
        who = _person_for(
            name=person.get("name", ""),
            phone=person.get("phone", ""),
            id_number=person.get("id_number", ""),
            organisation=organisation,
        )
        category = person.get("category", category)
    return _book_locked(
        session=session,
        person=who,
        category=category,
        booked_by=user,
        organisation=organisation,
        waitlist=waitlist,
    )


@transaction.atomic
def booking_create_self(
    *,
    session: Session,
    user: User,
    category: int | None = None,
    name: str = "",
    phone: str = "",
    id_number: str = "",
    waitlist: bool = False,
) -> Booking:
    """Self booking from the web form: creates (or links) the caller's Person on first booking
    when name and ID number are given, then books as ``booking_create``."""
    if not Person.objects.filter(user=user).exists():
        if not (name.strip() and id_number.strip()):
            raise PortalError(
                _("Tell us your name and ID number once before booking."), code="person_required"
            )
        _person_for(name=name, phone=phone, id_number=id_number, organisation=None, user=user)
    return booking_create(session=session, user=user, category=category, waitlist=waitlist)


def _promote_next(*, session: Session, now: datetime.datetime) -> Booking | None:
    """Offer the freed seat to the first person on the waiting list (caller holds the session lock)."""
    if _seats_taken(session) >= session.capacity or session.status != Session.Status.OPEN:
        return None
    nxt = (
        session.bookings.select_for_update()
        .filter(status=Booking.Status.WAITLISTED)
        .order_by("created_at", "pk")
        .first()
    )
    if nxt is None:
        return None
    nxt.status = Booking.Status.OFFERED
    nxt.offer_expires_at = min(now + OFFER_VALID_FOR, session.starts_at)
    nxt.save(update_fields=["status", "offer_expires_at", "updated_at"])
    services.outbox_enqueue(
        task_name="training.tasks.booking_notify_task", kwargs={"booking_id": nxt.pk, "event": "offered"}
    )
    return nxt


@transaction.atomic
def booking_cancel(*, booking: Booking, by: User) -> Booking:
    """The booker, the person, the unit's manager or area staff cancel; a freed seat is offered to
    the waiting list. Cancelling twice is a no-op. Codes: not_allowed, session_closed."""
    from training.selectors import user_can_see_booking

    if not user_can_see_booking(user=by, booking=booking):
        raise PermissionDenied(_("You may not cancel this booking."), code="not_allowed")
    session = Session.objects.select_for_update().get(pk=booking.session_id)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status == Booking.Status.CANCELLED:
        return booking
    if (
        booking.status in (Booking.Status.ATTENDED, Booking.Status.NO_SHOW)
        or session.status != Session.Status.OPEN
    ):
        raise PortalError(_("This booking can no longer be cancelled."), code="session_closed")
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
    _promote_next(session=session, now=timezone.now())
    return booking


@transaction.atomic
def booking_offer_accept(*, booking: Booking, by: User) -> Booking:
    """Take up an offered seat before the offer expires. Codes: no_offer, offer_expired."""
    from training.selectors import user_can_see_booking

    if not user_can_see_booking(user=by, booking=booking):
        raise PermissionDenied(_("You may not change this booking."), code="not_allowed")
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.OFFERED:
        raise PortalError(_("There is no seat offered on this booking."), code="no_offer")
    if booking.offer_expires_at and booking.offer_expires_at <= timezone.now():
        raise PortalError(_("The offer has expired."), code="offer_expired")
    booking.status = Booking.Status.BOOKED
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "offer_expires_at", "updated_at"])
    return booking


def offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Beat task body: offers past their expiry are cancelled and the next person is offered the
    seat. Returns how many offers expired. Idempotent."""
    now = now or timezone.now()
    expired = 0
    session_ids = (
        Booking.objects.filter(status=Booking.Status.OFFERED, offer_expires_at__lte=now)
        .values_list("session_id", flat=True)
        .distinct()
    )
    for session_id in list(session_ids):
        with transaction.atomic():
            session = Session.objects.select_for_update().get(pk=session_id)
            stale = list(
                session.bookings.select_for_update().filter(
                    status=Booking.Status.OFFERED, offer_expires_at__lte=now
                )
            )
            for booking in stale:
                booking.status = Booking.Status.CANCELLED
                booking.cancelled_at = now
                booking.save(update_fields=["status", "cancelled_at", "updated_at"])
                expired += 1
            while _promote_next(session=session, now=now) is not None:
                pass
    return expired


# ------------------------------------------------------------------------------
# Roster (batch) booking
# ------------------------------------------------------------------------------
ROSTER_HEADERS = ["姓名", "手机号", "身份证号", "类别(1-7)"]


@dataclass
class RosterError:
    row: int  # spreadsheet row number (header is row 1); 0 = the whole file
    column: str
    message: str


@dataclass
class RosterResult:
    bookings: list[Booking] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def _parse_category(value) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text.isdigit() and int(text) in Category.values:
        return int(text)
    for number, label in Category.choices:
        if text == str(label):
            return number
    return None


def bookings_create_batch(
    *,
    session: Session,
    people: list[dict],
    booked_by: User,
    organisation: Organisation | None = None,
    first_row: int = 2,
) -> RosterResult:
    """Book several people at once, all or nothing. Each dict: name, phone, id_number, category.
    Every bad row is reported (row number, column, reason); if any row is bad nobody is booked.
    Row numbers start at ``first_row`` (2 for a spreadsheet under its header)."""
    result = RosterResult()
    seen: dict[str, int] = {}
    clean = []
    for index, raw in enumerate(people):
        row = first_row + index
        name = str(raw.get("name") or "").strip()
        phone = str(raw.get("phone") or "").strip()
        id_number = validators.normalize_id_number(str(raw.get("id_number") or ""))
        category = _parse_category(raw.get("category"))
        if not name:
            result.errors.append(RosterError(row, ROSTER_HEADERS[0], _("The name is missing.")))
        try:
            if phone:
                validators.validate_mobile(phone)
        except ValidationError:
            result.errors.append(
                RosterError(row, ROSTER_HEADERS[1], _("Not a valid mainland mobile number."))
            )
        try:
            validators.validate_id_number(id_number)
        except ValidationError:
            result.errors.append(
                RosterError(row, ROSTER_HEADERS[2], _("Not a valid ID number (length or check digit)."))
            )
        if category is None:
            result.errors.append(
                RosterError(row, ROSTER_HEADERS[3], _("The category must be a number from 1 to 7."))
            )
        if id_number and id_number in seen:
            result.errors.append(
                RosterError(
                    row,
                    ROSTER_HEADERS[2],
                    _("The same ID number is already on row %(row)s.") % {"row": seen[id_number]},
                )
            )
        seen.setdefault(id_number, row)
        clean.append((row, {"name": name, "phone": phone, "id_number": id_number, "category": category}))
    if not clean:
        result.errors.append(RosterError(0, "", _("The roster has no rows.")))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for row, person in clean:
                try:
                    with transaction.atomic():
                        result.bookings.append(
                            booking_create(
                                session=session, user=booked_by, person=person, organisation=organisation
                            )
                        )
                except PortalError as exc:
                    result.errors.append(
                        RosterError(row, "", str(exc.message if hasattr(exc, "message") else exc))
                    )
                except ValidationError as exc:
                    result.errors.append(RosterError(row, ROSTER_HEADERS[2], "; ".join(exc.messages)))
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.bookings = []
    return result


def roster_import(
    *, session: Session, file, booked_by: User, organisation: Organisation | None = None
) -> RosterResult:
    """Book everybody on an xlsx roster (columns 姓名, 手机号, 身份证号, 类别(1-7), header in row 1),
    all or nothing. ``file`` is a path or a file object. A file that is not xlsx is one error row 0."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same user error
        return RosterResult(errors=[RosterError(0, "", _("This file is not an Excel (.xlsx) workbook."))])
    sheet = workbook.worksheets[0]
    people = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        values = list(values) + [None] * 4
        if all(v is None or str(v).strip() == "" for v in values[:4]):
            continue
        people.append({"name": values[0], "phone": values[1], "id_number": values[2], "category": values[3]})
    workbook.close()
    return bookings_create_batch(
        session=session, people=people, booked_by=booked_by, organisation=organisation
    )


def roster_template_xlsx() -> bytes:
    """A blank roster with the header row and one invented example row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名单"
    sheet.append(ROSTER_HEADERS)
    for number, label in Category.choices:
        sheet.cell(row=number + 1, column=6, value=f"{number} = {label}")
    return workbook_bytes(workbook)


def roster_error_report(*, errors: list[RosterError], fmt: str = "xlsx") -> bytes:
    """The downloadable error report: one line per problem (row, column, reason). xlsx or csv."""
    header = [_("Row"), _("Column"), _("Problem")]
    lines = [[e.row or "", e.column, e.message] for e in errors]
    if fmt == "csv":
        return rows_csv(columns=header, rows=lines)
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for line in lines:
        sheet.append(line)
    return workbook_bytes(workbook)


# ------------------------------------------------------------------------------
# Check-in (the one service for camera scan, manual search and API)
# ------------------------------------------------------------------------------
@dataclass
class CheckInResult:
    result: str  # ok, already_checked_in, invalid_code, cancelled, wrong_session, not_open,
    #              waitlisted, helper_signed_in, helper_signed_out
    message: str
    booking_id: int | None = None
    session_id: int | None = None
    name_masked: str = ""
    category: int | None = None
    checked_in_at: str | None = None  # ISO datetime
    time: str = ""  # HH:MM local

    def as_dict(self) -> dict:
        return {
            "result": self.result,
            "message": self.message,
            "booking": self.booking_id,
            "session": self.session_id,
            "name": self.name_masked,
            "category": self.category,
            "checked_in_at": self.checked_in_at,
            "time": self.time,
        }


def _hhmm(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _checkin_window_open(session: Session, now: datetime.datetime) -> bool:
    return (
        session.status == Session.Status.OPEN
        and session.starts_at - CHECKIN_OPENS_BEFORE <= now <= session.ends_at + CHECKIN_CLOSES_AFTER
    )


def _evaluate_booking(*, booking: Booking, session: Session | None, scanned_by: User, now) -> CheckInResult:
    name = validators.mask_name(booking.person.name)
    base = {
        "booking_id": booking.pk,
        "session_id": booking.session_id,
        "name_masked": name,
        "category": booking.category,
    }
    if session is not None and booking.session_id != session.pk:
        return CheckInResult("wrong_session", _("This code is for another session."), **base)
    if booking.status == Booking.Status.CANCELLED:
        return CheckInResult("cancelled", _("This booking was cancelled."), **base)
    if booking.status == Booking.Status.WAITLISTED:
        return CheckInResult("waitlisted", _("This person is on the waiting list, not booked."), **base)
    if booking.checked_in_at is not None:
        hhmm = _hhmm(booking.checked_in_at)
        return CheckInResult(
            "already_checked_in",
            _("Already checked in at %(time)s.") % {"time": hhmm},
            checked_in_at=booking.checked_in_at.isoformat(),
            time=hhmm,
            **base,
        )
    if not _checkin_window_open(booking.session, now):
        return CheckInResult("not_open", _("Check-in for this session is not open now."), **base)
    _require_run(user=scanned_by, session=booking.session)
    booking.status = Booking.Status.ATTENDED
    booking.checked_in_at = now
    booking.checked_in_by = scanned_by
    booking.offer_expires_at = None
    booking.save(update_fields=["status", "checked_in_at", "checked_in_by", "offer_expires_at", "updated_at"])
    tally.checked_in(booking)  # the person row is locked with the booking (_redeem)
    return CheckInResult(
        "ok",
        _("Checked in: %(name)s") % {"name": name},
        checked_in_at=now.isoformat(),
        time=_hhmm(now),
        **base,
    )


def checkin_redeem(
    *,
    code: str,
    nonce: str,
    scanned_by: User,
    session: Session | None = None,
    booking: Booking | None = None,
) -> CheckInResult:
    """Check a trainee in (or sign a helper in/out) from a scanned code, or from ``booking`` for
    the manual-search fallback (then ``code`` may be empty).

    Results: ok · already_checked_in (with ``time`` HH:MM; counts nothing twice) · invalid_code
    (forged/altered/unknown) · cancelled · wrong_session (``session`` given and the code is for
    another) · not_open (session closed/cancelled or outside start−60 min … end+30 min) ·
    waitlisted · helper_signed_in · helper_signed_out.

    Idempotent by ``nonce``: a repeated nonce returns the first answer and writes nothing. Every
    attempt, failed or not, is recorded as a CheckInAttempt. The booking row is locked.
    Raises PermissionDenied when the scanner may not run the session.
    """
    nonce = (nonce or "").strip()[:64]
    if not nonce:
        raise PortalError(_("A nonce is required."), code="nonce_required", field="nonce")
    previous = CheckInAttempt.objects.filter(nonce=nonce).first()
    if previous is not None:
        return CheckInResult(**_from_dict(previous.response))
    if session is not None:
        _require_run(user=scanned_by, session=session)
    elif not (scanned_by.is_superuser or scanned_by.role_codes & TRAINER_ROLES):
        raise PermissionDenied(_("Only trainers check people in."), code="not_allowed")
    now = timezone.now()
    try:
        with transaction.atomic():
            outcome = _redeem(code=code, session=session, booking=booking, scanned_by=scanned_by, now=now)
            CheckInAttempt.objects.create(
                nonce=nonce,
                session=session or (Session(pk=outcome.session_id) if outcome.session_id else None),
                booking_id=outcome.booking_id if outcome.result in _BOOKING_RESULTS else None,
                result=outcome.result,
                reason=outcome.message,
                response=outcome.as_dict(),
                scanned_by=scanned_by,
            )
    except IntegrityError:  # the same nonce raced in: answer what the first one answered
        previous = CheckInAttempt.objects.get(nonce=nonce)
        return CheckInResult(**_from_dict(previous.response))
    return outcome


_BOOKING_RESULTS = {"ok", "already_checked_in", "cancelled", "wrong_session", "not_open", "waitlisted"}


def _from_dict(data: dict) -> dict:
    return {
        "result": data["result"],
        "message": data["message"],
        "booking_id": data.get("booking"),
        "session_id": data.get("session"),
        "name_masked": data.get("name", ""),
        "category": data.get("category"),
        "checked_in_at": data.get("checked_in_at"),
        "time": data.get("time", ""),
    }


def _redeem(*, code, session, booking, scanned_by, now) -> CheckInResult:
    invalid = CheckInResult("invalid_code", _("This code is not valid."))
    if booking is None:
        try:
            verified = codes.code_verify(purpose=BOOKING_CODE_PURPOSE, code=code)
        except PortalError:
            try:
                helper = codes.code_verify(purpose=HELPER_CODE_PURPOSE, code=code)
            except PortalError:
                return invalid
            if session is None:
                return invalid
            return helper_scan(session=session, person_id=helper.object_id, scanned_by=scanned_by, now=now)
        booking_id = verified.object_id
    else:
        booking_id = booking.pk
    booking = (
        Booking.objects.select_for_update(of=("self", "person"))
        .select_related("person", "session", "session__venue", "session__area")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        return invalid
    return _evaluate_booking(booking=booking, session=session, scanned_by=scanned_by, now=now)


# ------------------------------------------------------------------------------
# Helpers (volunteers) at a session
# ------------------------------------------------------------------------------
def helper_scan(
    *, session: Session, person_id: int, scanned_by: User, now: datetime.datetime | None = None
) -> CheckInResult:
    """Toggle a helper's shift: sign in, or sign out an open shift. On sign-out the kernel signal
    ``volunteer_service_performed`` is sent once for the shift (inside this transaction), so the
    volunteers module records the hours. A second scan within 2 minutes of sign-in changes nothing."""
    now = now or timezone.now()
    _require_run(user=scanned_by, session=session)
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        return CheckInResult("invalid_code", _("This code is not valid."))
    name = validators.mask_name(person.name)
    if not _checkin_window_open(session, now):
        return CheckInResult(
            "not_open",
            _("Check-in for this session is not open now."),
            session_id=session.pk,
            name_masked=name,
        )
    shift = (
        HelperShift.objects.select_for_update()
        .filter(session=session, person=person, signed_out_at__isnull=True)
        .first()
    )
    if shift is None:
        shift = HelperShift.objects.create(
            session=session, person=person, signed_in_at=now, signed_in_by=scanned_by
        )
        return CheckInResult(
            "helper_signed_in",
            _("Helper signed in: %(name)s") % {"name": name},
            session_id=session.pk,
            name_masked=name,
            time=_hhmm(now),
        )
    if now - shift.signed_in_at < HELPER_MIN_SHIFT:
        return CheckInResult(
            "helper_signed_in",
            _("Helper signed in: %(name)s") % {"name": name},
            session_id=session.pk,
            name_masked=name,
            time=_hhmm(shift.signed_in_at),
        )
    shift.signed_out_at = now
    shift.signed_out_by = scanned_by
    shift.save(update_fields=["signed_out_at", "signed_out_by"])
    signals.volunteer_service_performed.send(
        sender=HelperShift,
        person=person,
        area=session.area,
        started_at=shift.signed_in_at,
        ended_at=now,
        title=_("一警六员实训保障：%(venue)s") % {"venue": session.venue.name},
        source=shift,
    )
    return CheckInResult(
        "helper_signed_out",
        _("Helper signed out: %(name)s") % {"name": name},
        session_id=session.pk,
        name_masked=name,
        time=_hhmm(now),
    )


# ------------------------------------------------------------------------------
# Sign-off, close, certificates
# ------------------------------------------------------------------------------
@transaction.atomic
def assessment_record(*, booking: Booking, items: dict[str, str], assessed_by: User) -> list[Assessment]:
    """Record pass/fail per item code for a checked-in trainee (a later call overwrites an item).
    Codes: not_checked_in, unknown_item, session_closed, no_signoff, bad_result."""
    booking = (
        Booking.objects.select_for_update()
        .select_related("session", "session__venue", "session__area")
        .get(pk=booking.pk)
    )
    session = booking.session
    _require_run(user=assessed_by, session=session)
    if session.status != Session.Status.OPEN:
        raise PortalError(_("This session is closed."), code="session_closed")
    if not session.needs_signoff:
        raise PortalError(_("This session has no practical sign-off."), code="no_signoff")
    if booking.status != Booking.Status.ATTENDED:
        raise PortalError(_("Check the trainee in before signing off."), code="not_checked_in")
    known = {item.code: item for item in session.items.all()}
    unknown = set(items) - set(known)
    if unknown:
        raise PortalError(
            _("Unknown practical item: %(codes)s") % {"codes": ", ".join(sorted(unknown))},
            code="unknown_item",
        )
    if any(result not in Assessment.Result.values for result in items.values()):
        raise PortalError(_("Each item is pass or fail."), code="bad_result")
    now = timezone.now()
    saved = []
    with tally.tallied([booking.person_id]):
        for code, result in items.items():
            assessment, _created = Assessment.objects.update_or_create(
                booking=booking,
                item=known[code],
                defaults={"result": result, "assessed_by": assessed_by, "assessed_at": now},
            )
            saved.append(assessment)
    return saved


@transaction.atomic
def session_close(*, session: Session, closed_by: User) -> Session:
    """Close the session: bookings never checked in become no-show, waiting list is cancelled,
    attendees of a 实操实训 session who passed every item are marked passed and a certificate job
    is enqueued for each (on commit). Closing twice is a no-op. Codes: session_not_started."""
    _require_run(user=closed_by, session=session)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status == Session.Status.CLOSED:
        return session
    if session.status != Session.Status.OPEN:
        raise PortalError(_("This session was cancelled."), code="session_not_open")
    now = timezone.now()
    if now < session.starts_at:
        raise PortalError(_("A session can be closed only after it has started."), code="session_not_started")
    session.bookings.filter(status__in=(Booking.Status.BOOKED, Booking.Status.OFFERED)).update(
        status=Booking.Status.NO_SHOW, offer_expires_at=None
    )
    session.bookings.filter(status=Booking.Status.WAITLISTED).update(
        status=Booking.Status.CANCELLED, cancelled_at=now
    )
    attended = session.bookings.filter(status=Booking.Status.ATTENDED)
    if session.needs_signoff:
        required = set(session.items.values_list("pk", flat=True))
        passes: dict[int, set[int]] = {}
        for booking_id, item_id in Assessment.objects.filter(
            booking__in=attended, result=Assessment.Result.PASS
        ).values_list("booking_id", "item_id"):
            passes.setdefault(booking_id, set()).add(item_id)
        passed_ids = [b for b, got in passes.items() if required and required <= got]
        with tally.tallied(attended.values_list("person_id", flat=True)):
            attended.filter(pk__in=passed_ids).update(passed=True)
            attended.exclude(pk__in=passed_ids).update(passed=False)
        for booking_id in passed_ids:
            services.outbox_enqueue(
                task_name="training.tasks.certificate_issue_task", kwargs={"booking_id": booking_id}
            )
    session.status = Session.Status.CLOSED
    session.closed_at = now
    session.closed_by = closed_by
    session.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    services.audit_log(actor=closed_by, action="training.session.closed", target=session, area=session.area)
    return session


def training_certificate_issue(*, booking_id: int) -> Certificate | None:
    """Issue (once) the training certificate of a passed booking through the kernel registry;
    the kernel enqueues the PDF render. Returns None for a booking that did not pass."""
    booking = Booking.objects.select_related("person", "session", "session__venue", "session__area").get(
        pk=booking_id
    )
    if not booking.passed:
        return None
    session = booking.session
    district = Area.objects.get(pk=session.area.district_id)
    items = [item.name for item in session.items.all()]
    category = Category(booking.category).label if booking.category else ""
    details = [
        {
            "heading": _("Training"),
            "lines": [
                [_("Category"), str(category)],
                [_("Practical items passed"), "、".join(items)],
                [_("Date"), timezone.localtime(session.starts_at).date().isoformat()],
                [_("Venue"), session.venue.name],
            ],
        }
    ]
    return services.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=district,
        holder=booking.person,
        title=_("一警六员消防技能培训合格证书"),
        issuer_name=_("%(district)s消防救援支队") % {"district": district.name},
        details=details,
        source=booking,
        issued_on=timezone.localtime(session.starts_at).date(),
    )


def training_certificate_revoke(*, booking: Booking, by: User, reason: str) -> Certificate:
    """Revoke the booking's certificate through the kernel (district admin of its district; audited).
    Codes: no_certificate and the kernel's."""
    from training.selectors import certificate_of_booking

    certificate = certificate_of_booking(booking=booking)
    if certificate is None:
        raise PortalError(_("This booking has no certificate."), code="no_certificate")
    return services.certificate_revoke(certificate=certificate, by=by, reason=reason)


def certificates_zip(
    *, user: User, session: Session | None = None, organisation: Organisation | None = None
) -> bytes:
    """One zip of the valid certificates of a session's or a unit's bookings the user may see
    (area scoping; a unit's manager sees their unit). PDFs are rendered where missing."""
    from training.selectors import certificates_for

    certificates = certificates_for(user=user, session=session, organisation=organisation)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in certificates:
            path = services.certificate_render(certificate_id=certificate.pk)
            archive.write(path, arcname=f"{certificate.number}.pdf")
    return buffer.getvalue()


# ------------------------------------------------------------------------------
# Notifications and reminders
# ------------------------------------------------------------------------------
def _booking_link(booking: Booking) -> str:
    from django.conf import settings

    try:
        path = reverse("training:booking", args=[booking.pk])
    except NoReverseMatch:
        path = "/training/my/"
    return settings.PORTAL_BASE_URL.rstrip("/") + path


NOTIFY_TEXT = {
    "booked": "您已预约%(when)s在%(venue)s的%(kind)s，入场二维码：%(link)s",
    "waitlisted": "%(when)s在%(venue)s的%(kind)s已满，您已进入候补名单。%(link)s",
    "offered": "%(when)s在%(venue)s的%(kind)s有空位留给您，请尽快确认：%(link)s",
    "reminder": "提醒：您预约的%(kind)s将于%(when)s在%(venue)s开始。入场二维码：%(link)s",
    "session_cancelled": "很抱歉，%(when)s在%(venue)s的%(kind)s已取消。",
}


@transaction.atomic
def booking_notify(*, booking_id: int, event: str, job: str = "") -> bool:
    """Send the SMS (and e-mail when the booker has one) for ``event``; reminders once only.
    No personal data in the text beyond the link. Returns whether anything was sent.

    ``job`` (the outbox job's id, the same on every delivery) sends each job once: its
    ``BookingNotice`` is written in this transaction, so a repeated delivery finds it and sends
    nothing, and a send that fails leaves no row (the retry sends)."""
    from portal.sms import sms_send

    booking = Booking.objects.select_related("person", "session", "session__venue", "booked_by").get(
        pk=booking_id
    )
    if job:
        try:
            with transaction.atomic():
                BookingNotice.objects.create(job=job[:64], booking=booking, event=event)
        except IntegrityError:  # delivered before (or right now, by another worker)
            return False
    if event == "reminder":
        updated = Booking.objects.filter(pk=booking_id, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        )
        if not updated:
            return False
    session = booking.session
    text = NOTIFY_TEXT[event] % {
        "when": timezone.localtime(session.starts_at).strftime("%m月%d日 %H:%M"),
        "venue": session.venue.name,
        "kind": session.get_kind_display(),
        "link": _booking_link(booking),
    }
    sent = False
    if booking.person.phone:
        sms_send(phone=booking.person.phone, text=text)
        sent = True
    email = booking.person.user.email if booking.person.user_id else ""
    if email:
        send_mail(
            subject=str(session.get_kind_display()), message=text, from_email=None, recipient_list=[email]
        )
        sent = True
    return sent


def sessions_remind(*, now: datetime.datetime | None = None) -> int:
    """Beat task body: for sessions starting within 24 hours, enqueue one reminder per booked
    person (each sent once). Returns the number enqueued."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        due = Session.objects.select_for_update(skip_locked=True).filter(
            status=Session.Status.OPEN,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + REMIND_BEFORE,
        )
        for session in due:
            for booking_id in session.bookings.filter(
                status=Booking.Status.BOOKED, reminded_at__isnull=True
            ).values_list("pk", flat=True):
                services.outbox_enqueue(
                    task_name="training.tasks.booking_notify_task",
                    kwargs={"booking_id": booking_id, "event": "reminder"},
                )
                count += 1
            session.reminder_sent_at = now
            session.save(update_fields=["reminder_sent_at", "updated_at"])
    return count


# Names the web side already calls (training-requests.md).
checkin_perform = checkin_redeem


def annual_counts_xlsx(*, counts) -> bytes:
    from training.selectors import annual_counts_xlsx as build

    return build(counts=counts)

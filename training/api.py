"""Training API: /api/v1/training/... and /api/v1/checkin (documented in the OpenAPI schema).
Thin: one selector or service call per endpoint; domain errors are answered by the kernel's
handler as ``{"code", "message"}`` with the error's status (session_full → 409)."""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from portal import ratelimit
from portal.api import AUTH, ErrorOut
from portal.errors import NotFound, PortalError
from portal.models import Channel
from training import selectors, services
from training.models import Booking, Session, Venue

router = Router(tags=["training"])
checkin_router = Router(tags=["training"])


class SessionOut(Schema):
    id: int
    kind: str
    title: str
    venue: int
    area: int
    channel: str
    start: datetime.datetime
    end: datetime.datetime
    capacity: int
    seats_left: int
    items: list[str]
    status: str


def _session_out(s: Session) -> dict:
    return {
        "id": s.pk,
        "kind": s.kind,
        "title": s.title,
        "venue": s.venue_id,
        "area": s.area_id,
        "channel": s.channel.code,
        "start": s.starts_at,
        "end": s.ends_at,
        "capacity": s.capacity,
        "seats_left": s.seats_left,
        "items": [i.code for i in s.items.all()],
        "status": s.status,
    }


@router.get("/sessions", response=list[SessionOut], summary="Upcoming sessions with seats left")
def sessions(request, kind: str | None = None, venue: int | None = None, limit: int = 100, offset: int = 0):
    """Public. Open sessions that have not ended, soonest first."""
    chosen = Venue.objects.filter(pk=venue).first() if venue else None
    offset, limit = min(max(offset, 0), 1_000_000), min(max(limit, 0), 500)  # no negative slices (fuzzer)
    queryset = selectors.sessions_upcoming(kind=kind, venue=chosen)[offset : offset + limit]
    return [_session_out(s) for s in queryset]


class VenueOut(Schema):
    id: int
    name: str
    kind: str
    area: int
    address: str
    capacity: int


@router.get("/venues", response=list[VenueOut], summary="Training venues")
def venues(request):
    return list(selectors.venues_public().values("id", "name", "kind", "area", "address", "capacity"))


class SessionIn(Schema):
    kind: Literal["practical", "night_school", "open_day"] = "practical"
    venue: int
    start: datetime.datetime
    end: datetime.datetime
    capacity: int | None = None
    items: list[str] | None = None
    channel: str = "community"
    title: str = ""
    booking_opens_at: datetime.datetime | None = None
    booking_closes_at: datetime.datetime | None = None


@router.post(
    "/sessions",
    response={201: SessionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Create a session (trainer or district admin of the venue's area)",
)
def session_create(request, payload: SessionIn):
    venue = Venue.objects.filter(pk=payload.venue).first()
    if venue is None:
        raise NotFound(_("No such venue."), code="venue_not_found")
    channel = Channel.objects.filter(code=payload.channel).first()
    if channel is None:
        raise PortalError(_("Unknown channel."), code="unknown_channel", field="channel")
    session = services.session_create(
        venue=venue,
        kind=payload.kind,
        starts_at=payload.start,
        ends_at=payload.end,
        capacity=payload.capacity,
        item_codes=payload.items,
        channel=channel,
        title=payload.title,
        booking_opens_at=payload.booking_opens_at,
        booking_closes_at=payload.booking_closes_at,
        created_by=request.auth,
    )
    return Status(201, _session_out(selectors.session_with_seats(session_id=session.pk)))


class PersonIn(Schema):
    name: str
    phone: str = ""
    id_number: str
    category: int


class BookingIn(Schema):
    person: PersonIn | None = None
    category: int | None = None
    waitlist: bool = False


class BookingCreatedOut(Schema):
    id: int
    status: str
    checkin_code: str


@router.post(
    "/sessions/{session_id}/bookings",
    response={201: BookingCreatedOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=AUTH,
    summary="Book the caller (empty body) or, for a unit manager, a member of staff",
)
def booking_create(request, session_id: int, payload: BookingIn | None = None):
    session = get_object_or_404(Session, pk=session_id)
    payload = payload or BookingIn()
    try:
        booking = services.booking_create(
            session=session,
            user=request.auth,
            category=payload.category,
            person=payload.person.dict() if payload.person else None,
            waitlist=payload.waitlist,
        )
    except ValidationError as exc:
        raise PortalError("; ".join(exc.messages), code="invalid_person") from exc
    return Status(
        201,
        {
            "id": booking.pk,
            "status": booking.status,
            "checkin_code": services.booking_checkin_code(booking=booking),
        },
    )


class CheckInIn(Schema):
    code: str = ""
    nonce: str
    session: int | None = None


class CheckInOut(Schema):
    result: str
    message: str
    booking: int | None
    session: int | None
    name: str
    category: int | None
    checked_in_at: str | None
    time: str


@checkin_router.post(
    "/checkin",
    response={200: CheckInOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=AUTH,
    summary="Check a trainee in (or a helper in/out) by scanned code; idempotent by nonce",
)
def checkin(request, payload: CheckInIn):
    """``result``: ok · already_checked_in (``time`` HH:MM) · invalid_code · cancelled ·
    wrong_session (when ``session`` is given) · not_open · waitlisted · helper_signed_in/out.
    Rate-limited per scanner and per IP: 429 ``RATE_LIMITED``."""
    ratelimit.check_request(request, scope="scan")
    session = get_object_or_404(Session, pk=payload.session) if payload.session else None
    outcome = services.checkin_redeem(
        code=payload.code, nonce=payload.nonce, scanned_by=request.auth, session=session
    )
    return outcome.as_dict()


class AssessmentIn(Schema):
    items: dict[str, Literal["pass", "fail"]]


class ItemResultOut(Schema):
    item: str
    result: str


class BookingOut(Schema):
    id: int
    session: int
    status: str
    category: int | None
    checked_in_at: datetime.datetime | None
    items: list[ItemResultOut]
    passed: bool | None
    certificate_number: str | None


def _booking_out(booking: Booking) -> dict:
    certificate = selectors.certificate_of_booking(booking=booking)
    return {
        "id": booking.pk,
        "session": booking.session_id,
        "status": booking.status,
        "category": booking.category,
        "checked_in_at": booking.checked_in_at,
        "items": [{"item": a.item.code, "result": a.result} for a in booking.assessments.all()],
        "passed": booking.passed,
        "certificate_number": certificate.number if certificate else None,
    }


def _booking_or_404(request, booking_id: int) -> Booking:
    booking = selectors.booking_for(user=request.auth, booking_id=booking_id)
    if booking is None:
        raise NotFound(_("No such booking."), code="booking_not_found")
    return booking


@router.post(
    "/bookings/{booking_id}/assessment",
    response={200: BookingOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Sign off practical items of a checked-in trainee (trainer)",
)
def assessment(request, booking_id: int, payload: AssessmentIn):
    booking = get_object_or_404(Booking, pk=booking_id)
    if not services.user_can_run_session(user=request.auth, session=booking.session):
        raise NotFound(_("No such booking."), code="booking_not_found")
    services.assessment_record(booking=booking, items=dict(payload.items), assessed_by=request.auth)
    return _booking_out(_booking_or_404(request, booking_id))


@router.post(
    "/sessions/{session_id}/close",
    response={200: SessionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Close a session; certificates are issued to those who passed (trainer)",
)
def session_close(request, session_id: int):
    session = get_object_or_404(Session, pk=session_id)
    services.session_close(session=session, closed_by=request.auth)
    return _session_out(selectors.session_with_seats(session_id=session.pk))


@router.get(
    "/bookings/{booking_id}",
    response={200: BookingOut, 404: ErrorOut},
    auth=AUTH,
    summary="A booking: status, check-in time, item results, certificate number",
)
def booking_detail(request, booking_id: int):
    """The booker, the person, the unit's manager and staff of the area only (404 for others)."""
    return _booking_out(_booking_or_404(request, booking_id))

"""Volunteers API under /api/v1/volunteers/ (documented in the OpenAPI schema; fit for a
WeChat mini-program). Thin: one selector or one service call per endpoint; domain errors are
answered by the kernel's handler as ``{"code", "message"}`` with the error's status.
"""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from portal.api import AUTH, ErrorOut
from volunteers import selectors, services
from volunteers.models import Activity, ServiceRecord

router = Router(tags=["volunteers"])


class ActivityOut(Schema):
    id: int
    title: str
    activity_type: str
    activity_type_label: str
    channel: str
    team: str
    area: str
    location: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    seats_left: int
    minimum_age: int
    is_risky: bool


@router.get("/activities", response=list[ActivityOut], summary="Open volunteer activities with places left")
def activities(request, district: str | None = None, limit: int = 50, offset: int = 0):
    """Public. ``district`` is an area code (e.g. ``xc``); newest places first by start time."""
    from portal.models import Area

    scope = Area.objects.filter(code=district).first() if district else None
    offset, limit = min(max(offset, 0), 1_000_000), min(max(limit, 0), 200)  # no negative slices (fuzzer)
    queryset = selectors.activities_open(district=scope)[offset : offset + limit]
    return [
        {
            "id": a.pk,
            "title": a.title,
            "activity_type": a.activity_type,
            "activity_type_label": str(a.get_activity_type_display()),
            "channel": a.channel.name,
            "team": a.team.name,
            "area": a.area.name,
            "location": a.location,
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
            "capacity": a.capacity,
            "seats_left": max(0, a.seats_left),
            "minimum_age": a.minimum_age,
            "is_risky": a.is_risky,
        }
        for a in queryset
    ]


class SignUpOut(Schema):
    activity: int
    status: str


@router.post(
    "/activities/{activity_id}/signups",
    response={201: SignUpOut, 400: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Sign up for an activity",
)
def signup_create(request, activity_id: int):
    activity = get_object_or_404(Activity, pk=activity_id)
    signup = services.signup_create(user=request.auth, activity=activity)
    return Status(201, {"activity": activity.pk, "status": signup.status})


@router.delete(
    "/activities/{activity_id}/signups",
    response={200: SignUpOut, 400: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Cancel one's sign-up",
)
def signup_cancel(request, activity_id: int):
    activity = get_object_or_404(Activity, pk=activity_id)
    signup = services.signup_cancel(user=request.auth, activity=activity)
    return Status(200, {"activity": activity.pk, "status": signup.status})


class RecordOut(Schema):
    id: int
    title: str
    activity: int | None
    activity_type: str
    started_at: datetime.datetime
    ended_at: datetime.datetime
    hours: Decimal
    state: str
    state_label: str
    origin: str
    flagged_auto_closed: bool
    decision_reason: str


class MyRecordsOut(Schema):
    volunteer_number: str | None
    status: str
    star_level: int
    approved_hours: Decimal
    pending_hours: Decimal
    declined_count: int
    next_star_hours: Decimal | None
    records: list[RecordOut]


def _record(r: ServiceRecord) -> dict:
    return {
        "id": r.pk,
        "title": r.title,
        "activity": r.activity_id,
        "activity_type": r.activity_type,
        "started_at": r.started_at,
        "ended_at": r.ended_at,
        "hours": r.hours,
        "state": r.state,
        "state_label": str(r.get_state_display()),
        "origin": r.origin,
        "flagged_auto_closed": r.flagged_auto_closed,
        "decision_reason": r.decision_reason,
    }


@router.get(
    "/me/service-records",
    response={200: MyRecordsOut, 404: ErrorOut},
    auth=AUTH,
    summary="My service records with their state, and approved totals",
)
def my_records(request):
    hours = selectors.my_hours(user=request.auth)
    if hours is None:
        return Status(404, {"code": "NOT_A_VOLUNTEER", "message": _("Please register as a volunteer first.")})
    return Status(
        200,
        {
            "volunteer_number": hours.profile.number,
            "status": hours.profile.status,
            "star_level": hours.star_level,
            "approved_hours": hours.approved_hours,
            "pending_hours": hours.pending_hours,
            "declined_count": hours.declined_count,
            "next_star_hours": hours.next_star_hours,
            "records": [_record(r) for r in hours.records],
        },
    )


class DeclareIn(Schema):
    activity: int
    started_at: datetime.datetime
    ended_at: datetime.datetime
    note: str = ""


@router.post(
    "/service-records",
    response={201: RecordOut, 400: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Declare hours for an activity one attended",
)
def record_declare(request, payload: DeclareIn):
    activity = get_object_or_404(Activity, pk=payload.activity)
    record = services.service_record_declare(
        user=request.auth,
        activity=activity,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
        note=payload.note,
    )
    return Status(201, _record(record))


class DeclineIn(Schema):
    reason: str


@router.post(
    "/service-records/{record_id}/approve",
    response={200: RecordOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Approve a pending record (leader of its team or coordinator of its area)",
)
def record_approve(request, record_id: int):
    """403 ``self_approval`` for one's own record; 403 ``NOT_IN_YOUR_AREA`` outside one's area."""
    record = get_object_or_404(ServiceRecord, pk=record_id)
    services.service_record_approve(records=[record], by=request.auth)
    record.refresh_from_db()
    return Status(200, _record(record))


@router.post(
    "/service-records/{record_id}/decline",
    response={200: RecordOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=AUTH,
    summary="Decline a pending record with a reason",
)
def record_decline(request, record_id: int, payload: DeclineIn):
    record = get_object_or_404(ServiceRecord, pk=record_id)
    services.service_record_decline(records=[record], by=request.auth, reason=payload.reason)
    record.refresh_from_db()
    return Status(200, _record(record))

"""Training pages: residents book and show their QR, unit managers book staff, trainers check in,
sign off and close, staff download and revoke certificates and create sessions, district admins
watch the annual counts. Thin: read through ``training.selectors``, write through one
``training.services`` call, show the service's Chinese message when it refuses (nothing saved).
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import selectors as portal_selectors
from portal import services as portal_services
from portal import validators
from portal.errors import PortalError
from portal.models import Area, Certificate, Channel, Metric, Organisation, Role, Target
from portal.params import id_param
from portal.ratelimit import rate_limited
from training import selectors, services
from training.forms import (
    DashboardForm,
    RevokeForm,
    RosterUploadForm,
    SelfBookingForm,
    SessionChoiceForm,
    SessionCreateForm,
    UnitPersonFormSet,
    add_service_error,
)
from training.models import Assessment, Booking, Category, PracticalItem, Session

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRAINER_ROLES = {Role.TRAINER, Role.DISTRICT_ADMIN}
CERTIFICATE_ROLES = {Role.TRAINER, Role.DISTRICT_ADMIN, Role.UNIT_MANAGER}
ROSTER_REPORT_KEY = "training_roster_report"
PERSON_FIELDS = ("name", "phone", "id_number", "category")
# The batch service names the roster column of each problem; the small form shows it on the field.
COLUMN_FIELDS = dict(zip(services.ROSTER_HEADERS, PERSON_FIELDS, strict=True))


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in request.headers.get(
        "Accept", ""
    )


def _forbid() -> Http404:
    # Staff pages answer 404 outside one's area or role: never confirm what exists elsewhere.
    return Http404()


def _has_role(user, roles) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(user.role_codes & set(roles)))


def _status_css(status: str) -> str:
    return {
        Booking.Status.BOOKED: "trn-tag--ok",
        Booking.Status.ATTENDED: "trn-tag--ok",
        Booking.Status.WAITLISTED: "trn-tag--wait",
        Booking.Status.OFFERED: "trn-tag--wait",
    }.get(status, "trn-tag--bad")


# ------------------------------------------------------------------------------
# Residents and volunteers
# ------------------------------------------------------------------------------
@require_GET
def session_list(request):
    kind = request.GET.get("kind", "")
    if kind not in Session.Kind.values:
        kind = ""
    sessions = selectors.sessions_upcoming(kind=kind or None)
    return render(
        request,
        "training/session_list.html",
        {"sessions": sessions, "kinds": Session.Kind.choices, "kind": kind},
    )


@login_required
@require_http_methods(["GET", "POST"])
def book(request, session_id: int):
    session = get_object_or_404(selectors.sessions_upcoming(), pk=session_id)
    person = selectors.person_of_user(user=request.user)
    last_category = selectors.category_last_used(person=person) if person else None
    form = SelfBookingForm(
        request.POST or None,
        categories=Category.choices,
        ask_identity=person is None,
        initial={"category": last_category},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.booking_create_self(
                session=session,
                user=request.user,
                category=data["category"],
                name=data.get("name", ""),
                phone=data.get("phone", ""),
                id_number=data.get("id_number", ""),
                waitlist=True,
            )
        except (PortalError, ValidationError) as error:
            add_service_error(form, error)
        else:
            if booking.status == Booking.Status.WAITLISTED:
                messages.info(
                    request,
                    _(
                        "The session is full, so you are on the waiting list. "
                        "We will send you a message when a seat frees."
                    ),
                )
            else:
                messages.success(request, _("Booked. Show this QR code at the door."))
            return redirect("training:booking", booking_id=booking.pk)
    return render(
        request,
        "training/book.html",
        {"session": session, "form": form, "seats_left": session.seats_left},
    )


@login_required
@require_GET
def my_bookings(request):
    bookings = list(selectors.bookings_of_user(user=request.user))
    now = timezone.now()
    numbers = selectors.certificate_numbers(booking_ids=[b.pk for b in bookings])
    for booking in bookings:
        booking.certificate_number = numbers.get(booking.pk, "")
        booking.status_css = _status_css(booking.status)
        booking.is_active_booking = booking.status in (Booking.Status.BOOKED, Booking.Status.WAITLISTED)
        booking.offer_open = booking.status == Booking.Status.OFFERED and (
            booking.offer_expires_at is None or booking.offer_expires_at > now
        )
    return render(request, "training/my_bookings.html", {"bookings": bookings})


def _own_booking(request, booking_id: int) -> Booking:
    booking = get_object_or_404(selectors.bookings_of_user(user=request.user), pk=booking_id)
    return booking


def _booking_page(request, booking: Booking, *, error: PortalError | None = None, status: int = 200):
    checkin_code = ""
    if booking.status == Booking.Status.BOOKED:
        checkin_code = services.booking_checkin_code(booking=booking)
    results = [
        {"label": name, "value": _("Passed") if result == Assessment.Result.PASS else _("Not passed")}
        for name, result in selectors.booking_item_results(booking=booking)
    ]
    certificate = selectors.certificate_of_booking(booking=booking)
    now = timezone.now()
    offered = booking.status == Booking.Status.OFFERED
    offer_open = offered and (booking.offer_expires_at is None or booking.offer_expires_at > now)
    response = render(
        request,
        "training/booking_detail.html",
        {
            "booking": booking,
            "checkin_code": checkin_code,
            "status_css": _status_css(booking.status),
            "name_masked": validators.mask_name(booking.person.name),
            "category_label": booking.get_category_display() if booking.category else "",
            "results": results,
            "certificate": certificate,
            "offer_open": offer_open,
            "offer_expired": offered and not offer_open,
            "error": error,
            "can_cancel": booking.status in _CANCELLABLE and booking.session.starts_at > now,
        },
        status=status,
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


_CANCELLABLE = (Booking.Status.BOOKED, Booking.Status.WAITLISTED, Booking.Status.OFFERED)


@never_cache
@login_required
@require_GET
def booking_detail(request, booking_id: int):
    return _booking_page(request, _own_booking(request, booking_id))


@never_cache
@login_required
@require_POST
def booking_offer_accept(request, booking_id: int):
    """Take up a seat offered from the waiting list. A refused accept (expired, no offer) shows the
    booking again with the service's message and code, answers 409 and changes nothing."""
    booking = _own_booking(request, booking_id)
    try:
        booking = services.booking_offer_accept(booking=booking, by=request.user)
    except PortalError as error:
        return _booking_page(request, _own_booking(request, booking_id), error=error, status=409)
    messages.success(request, _("The seat is yours. Show this QR code at the door."))
    return redirect("training:booking", booking_id=booking.pk)


@login_required
@require_POST
def booking_cancel(request, booking_id: int):
    booking = _own_booking(request, booking_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the cancellation."))
        return redirect("training:booking", booking_id=booking.pk)
    try:
        services.booking_cancel(booking=booking, by=request.user)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your booking is cancelled and the seat is free for someone else."))
    return redirect("training:booking", booking_id=booking.pk)


# ------------------------------------------------------------------------------
# Unit safety managers
# ------------------------------------------------------------------------------
def _managed_organisation(request) -> tuple[list[Organisation], Organisation | None]:
    if not _has_role(request.user, {Role.UNIT_MANAGER}):
        raise _forbid()
    organisations = list(selectors.organisations_managed_by(user=request.user))
    chosen = None
    wanted = request.GET.get("org") or request.POST.get("org")
    for organisation in organisations:
        if wanted and str(organisation.pk) == str(wanted):
            chosen = organisation
    if chosen is None and organisations:
        chosen = organisations[0]
    return organisations, chosen


@login_required
@require_GET
def unit_home(request):
    organisations, organisation = _managed_organisation(request)
    year = timezone.localdate().year
    people = selectors.unit_staff_status(organisation=organisation, year=year) if organisation else []
    staff = [
        {
            "name": validators.mask_name(person.name),
            "phone_masked": person.phone_masked,
            "id_number_masked": person.id_number_masked,
            "trained": person.trained_this_year,
            "passed": person.passed_this_year,
        }
        for person in people
    ]
    trained = sum(1 for row in staff if row["trained"])
    return render(
        request,
        "training/unit_home.html",
        {
            "organisations": organisations,
            "organisation": organisation,
            "year": year,
            "staff": staff,
            "staff_total": len(staff),
            "trained_total": trained,
            "untrained_total": len(staff) - trained,
        },
    )


def _unit_sessions(organisation: Organisation):
    # Units book staff into hands-on training anywhere in the district, not only their street.
    return selectors.sessions_upcoming(kind=Session.Kind.PRACTICAL)


@login_required
@require_http_methods(["GET", "POST"])
def unit_book(request):
    _organisations, organisation = _managed_organisation(request)
    if organisation is None:
        return redirect("training:unit_home")
    data = request.POST or None
    form = SessionChoiceForm(data, sessions=_unit_sessions(organisation))
    formset = UnitPersonFormSet(data, form_kwargs={"categories": Category.choices}, prefix="p")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        if not any(f.cleaned_data and f.cleaned_data.get("name") for f in formset):
            form.add_error(None, _("Fill in at least one person."))
        else:
            filled = [f for f in formset if f.cleaned_data and f.cleaned_data.get("name")]
            try:
                result = services.bookings_create_batch(
                    session=form.cleaned_data["session"],
                    organisation=organisation,
                    people=[{k: f.cleaned_data.get(k) for k in PERSON_FIELDS} for f in filled],
                    booked_by=request.user,
                    first_row=0,
                )
            except (PortalError, ValidationError) as error:
                add_service_error(form, error)
            else:
                if result.ok:
                    messages.success(request, _("%(n)s people booked.") % {"n": len(result.bookings)})
                    return redirect(reverse("training:unit_home") + f"?org={organisation.pk}")
                for error in result.errors:
                    target = filled[error.row] if 0 <= error.row < len(filled) else None
                    field = COLUMN_FIELDS.get(error.column)
                    if target is None:
                        form.add_error(None, error.message)
                    else:
                        target.add_error(field if field in target.fields else None, error.message)
    return render(
        request, "training/unit_book.html", {"organisation": organisation, "form": form, "formset": formset}
    )


@login_required
@require_http_methods(["GET", "POST"])
def unit_roster(request):
    _organisations, organisation = _managed_organisation(request)
    if organisation is None:
        return redirect("training:unit_home")
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, sessions=_unit_sessions(organisation)
    )
    report = None
    report_url = ""
    if request.method == "POST" and form.is_valid():
        try:
            result = services.roster_import(
                session=form.cleaned_data["session"],
                organisation=organisation,
                file=form.cleaned_data["roster"],
                booked_by=request.user,
            )
        except (PortalError, ValidationError) as error:
            add_service_error(form, error)
        else:
            if result.errors:
                report = result.errors
                token = secrets.token_urlsafe(12)
                request.session[ROSTER_REPORT_KEY] = {
                    "token": token,
                    "rows": [[e.row, e.column, e.message] for e in result.errors],
                }
                report_url = reverse("training:roster_report", args=[token])
            else:
                messages.success(
                    request, _("Roster checked: %(n)s people booked.") % {"n": len(result.bookings)}
                )
                return redirect(reverse("training:unit_home") + f"?org={organisation.pk}")
    return render(
        request,
        "training/unit_roster.html",
        {
            "organisation": organisation,
            "form": form,
            "report": report,
            "bad_rows": len({error.row for error in report or []}),
            "report_url": report_url,
        },
    )


@login_required
@require_GET
def roster_template(request):
    if not _has_role(request.user, {Role.UNIT_MANAGER}):
        raise _forbid()
    response = HttpResponse(services.roster_template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
    return response


@login_required
@require_GET
def roster_report(request, token: str):
    stored = request.session.get(ROSTER_REPORT_KEY) or {}
    if not secrets.compare_digest(str(stored.get("token", "")), token):
        raise Http404
    errors = [services.RosterError(row, column, message) for row, column, message in stored["rows"]]
    response = HttpResponse(services.roster_error_report(errors=errors), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="roster-errors.xlsx"'
    return response


# ------------------------------------------------------------------------------
# Trainers
# ------------------------------------------------------------------------------
def _staff_session(request, session_id: int) -> Session:
    """A session in the user's area, for trainers and district admins; 404 otherwise."""
    if not _has_role(request.user, TRAINER_ROLES):
        raise _forbid()
    session = selectors.sessions_for_staff(user=request.user).filter(pk=session_id).first()
    if session is None or not services.user_can_run_session(user=request.user, session=session):
        raise _forbid()
    return session


@login_required
@require_GET
def trainer_home(request):
    if not _has_role(request.user, TRAINER_ROLES):
        raise _forbid()
    sessions = selectors.sessions_for_staff(user=request.user, include_past=False).reverse()[:60]
    return render(
        request,
        "training/trainer_home.html",
        {"sessions": sessions, "can_create": True},
    )


@never_cache
@login_required
@require_GET
def checkin_page(request, session_id: int, *, helpers: bool = False):
    session = _staff_session(request, session_id)
    query = (request.GET.get("q") or "").strip()[:32]
    matches = []
    if query and not helpers:
        matches = [
            {
                "id": booking.pk,
                "name_masked": validators.mask_name(booking.person.name),
                "phone_masked": booking.person.phone_masked,
                "category_label": booking.get_category_display() if booking.category else "",
                "status_label": booking.get_status_display(),
                "checked_in_at": booking.checked_in_at,
            }
            for booking in selectors.session_bookings_search(session=session, query=query)[:30]
        ]
    counts = selectors.session_checkin_counts(session=session)
    return render(
        request,
        "training/checkin.html",
        {
            "session": session,
            "helpers": helpers,
            "query": query,
            "matches": matches,
            "nonce": secrets.token_urlsafe(16),
            "scan_url": reverse(
                "training:helpers_scan" if helpers else "training:checkin_scan", args=[session.pk]
            ),
            "checked_in_count": counts["checked_in"],
            "booked_count": counts["booked"],
            "last_result": "",
        },
    )


def _scan_answer(request, session: Session, payload: dict, *, page: str):
    if _wants_json(request):
        return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})
    text = payload["message"] + (f"（{payload['detail']}）" if payload.get("detail") else "")
    (messages.success if payload["ok"] else messages.error)(request, text)
    return redirect(page, session_id=session.pk)


OK_RESULTS = {"ok", "helper_signed_in", "helper_signed_out"}


def _scan(request, session_id: int, *, page: str):
    """Camera scan, typed code or manual pick: all go to the one check-in service, which also
    signs helping volunteers in and out when the code is a helper code."""
    session = _staff_session(request, session_id)
    code = (request.POST.get("code") or "").strip()[:128]
    nonce = (request.POST.get("nonce") or "").strip()[:64] or secrets.token_urlsafe(16)
    booking = None
    booking_id = request.POST.get("booking") or ""
    if booking_id:
        if id_param(booking_id) is None:
            raise Http404
        booking = get_object_or_404(Booking.objects.filter(session=session), pk=booking_id)
    try:
        result = services.checkin_redeem(
            code=code, nonce=nonce, scanned_by=request.user, session=session, booking=booking
        )
    except PortalError as error:
        payload = {"ok": False, "result": error.code, "message": error.message, "detail": ""}
    else:
        category = str(Category(result.category).label) if result.category else ""
        name = result.name_masked if result.name_masked not in result.message else ""
        detail = " · ".join(part for part in (name, category) if part)
        payload = {
            "ok": result.result in OK_RESULTS,
            "result": result.result,
            "message": result.message,
            "detail": detail,
        }
    payload["count"] = selectors.session_checkin_counts(session=session)["checked_in"]
    return _scan_answer(request, session, payload, page=page)


@login_required
@require_POST
@rate_limited("scan")
def checkin_scan(request, session_id: int):
    return _scan(request, session_id, page="training:checkin")


@never_cache
@login_required
@require_GET
def helpers_page(request, session_id: int):
    return checkin_page(request, session_id, helpers=True)


@login_required
@require_POST
@rate_limited("scan")
def helpers_scan(request, session_id: int):
    """A volunteer helping at the session shows their helper code: first scan in, the next out."""
    return _scan(request, session_id, page="training:helpers")


@dataclass
class SignoffRow:
    booking: Booking
    booking_id: int
    name_masked: str
    category_label: str
    checked_in_at: datetime.datetime | None
    results: dict[str, str]
    complete: bool


def _signoff_rows(session: Session, items: list[PracticalItem]) -> list[SignoffRow]:
    rows = []
    for booking in selectors.session_roster(session=session).filter(status=Booking.Status.ATTENDED):
        results = {a.item.code: a.result for a in booking.assessments.all()}
        rows.append(
            SignoffRow(
                booking=booking,
                booking_id=booking.pk,
                name_masked=validators.mask_name(booking.person.name),
                category_label=booking.get_category_display() if booking.category else "",
                checked_in_at=booking.checked_in_at,
                results=results,
                complete=all(item.code in results for item in items),
            )
        )
    return rows


_SIGNOFF_FIELD = re.compile(r"^b(?P<booking>\d+)__(?P<item>[-\w]+)$")


def _signoff_unknown_fields(post, *, rows: list[SignoffRow], items) -> list[str]:
    """Marks the form never offered: a booking not present at this session (another session's, or
    not checked in) or an item the session does not assess. Refused, never silently dropped."""
    present = {row.booking_id for row in rows}
    codes = {item.code for item in items}
    errors = []
    for key, value in post.items():
        if not key.startswith("b") or "__" not in key or not value:
            continue
        match = _SIGNOFF_FIELD.match(key)
        if match is None or int(match["booking"]) not in present:
            errors.append(_("A mark is for a trainee who is not checked in at this session."))
        elif match["item"] not in codes:
            errors.append(
                _("“%(item)s” is not a practical item of this session.") % {"item": match["item"][:32]}
            )
    return sorted(set(errors))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def signoff(request, session_id: int):
    """One card per trainee present, pass/fail per item; one service call per trainee changed.
    A value other than pass/fail anywhere refuses the whole form and saves nothing."""
    session = _staff_session(request, session_id)
    items = [SimpleNamespace(code=item.code, label=item.name, pk=item.pk) for item in session.items.all()]
    errors: list[str] = []
    rows = _signoff_rows(session, items)
    if request.method == "POST":
        errors = _signoff_unknown_fields(request.POST, rows=rows, items=items)
        marks_by_row = []
        for row in rows:
            marks = {}
            for item in items:
                value = request.POST.get(f"b{row.booking_id}__{item.code}", "")
                if value in ("pass", "fail"):
                    if row.results.get(item.code) != value:
                        marks[item.code] = value
                elif value:
                    errors.append(_("%(name)s: choose pass or fail.") % {"name": row.name_masked})
            if marks:
                marks_by_row.append((row, marks))
        if not errors:
            try:
                with transaction.atomic():
                    for row, marks in marks_by_row:
                        services.assessment_record(booking=row.booking, items=marks, assessed_by=request.user)
            except PortalError as error:
                errors.append(error.message)
            else:
                messages.success(request, _("Sign-off saved for %(n)s trainees.") % {"n": len(marks_by_row)})
                return redirect("training:signoff", session_id=session.pk)
    return render(
        request,
        "training/signoff.html",
        {
            "session": session,
            "items": items,
            "rows": rows,
            "errors": errors,
            "closed": session.status == Session.Status.CLOSED,
            "needs_signoff": session.needs_signoff,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def session_close(request, session_id: int):
    session = _staff_session(request, session_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that every trainee present is signed off."))
        return redirect("training:signoff", session_id=session.pk)
    try:
        services.session_close(session=session, closed_by=request.user)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Session closed. Certificates are issued to everyone who passed every item.")
        )
    return redirect("training:signoff", session_id=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    if not _has_role(request.user, TRAINER_ROLES):
        raise _forbid()
    form = SessionCreateForm(
        request.POST or None,
        kinds=Session.Kind.choices,
        venues=selectors.venues_visible_to(user=request.user),
        channels=Channel.objects.filter(is_active=True),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            start = datetime.datetime.combine(datetime.date.min, data["start_time"])
            duration = datetime.datetime.combine(datetime.date.min, data["end_time"]) - start
            sessions = services.session_series_create(
                kind=data["kind"],
                venue=data["venue"],
                channel=data["channel"],
                first_date=data["first_date"],
                start_time=data["start_time"],
                duration=duration,
                capacity=data["capacity"],
                weekdays=data["weekdays"] or [data["first_date"].weekday()],
                weeks=data["weeks"] or 1,
                created_by=request.user,
            )
        except (PortalError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(n)s sessions created.") % {"n": len(sessions)})
            return redirect("training:trainer_home")
    return render(request, "training/session_form.html", {"form": form})


# ------------------------------------------------------------------------------
# Certificates (staff)
# ------------------------------------------------------------------------------
def _zip_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def session_certificates_zip(request, session_id: int):
    session = _staff_session(request, session_id)
    return _zip_response(
        services.certificates_zip(user=request.user, session=session),
        f"session-{session.pk}-certificates.zip",
    )


@login_required
@require_GET
def unit_certificates_zip(request, organisation_id: int):
    user = request.user
    if (
        _has_role(user, {Role.UNIT_MANAGER})
        and selectors.organisations_managed_by(user=user).filter(pk=organisation_id).exists()
    ):
        organisation = Organisation.objects.get(pk=organisation_id)
    elif _has_role(user, {Role.DISTRICT_ADMIN, Role.TRAINER}):
        organisation = get_object_or_404(
            portal_selectors.visible_to(Organisation.objects.all(), user=user), pk=organisation_id
        )
    else:
        raise _forbid()
    return _zip_response(
        services.certificates_zip(user=request.user, organisation=organisation),
        f"unit-{organisation.pk}-certificates.zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_revoke(request, number: str):
    if not _has_role(request.user, {Role.DISTRICT_ADMIN}):
        raise _forbid()
    queryset = portal_selectors.visible_to(
        Certificate.objects.all(), user=request.user, area_field="district"
    )
    certificate = get_object_or_404(queryset, number=number)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_services.certificate_revoke(
                certificate=certificate, by=request.user, reason=form.cleaned_data["reason"]
            )
        except PortalError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Certificate %(number)s is revoked.") % {"number": certificate.number}
            )
            return redirect("training:certificate_revoke", number=certificate.number)
    return render(request, "training/certificate_revoke.html", {"certificate": certificate, "form": form})


# ------------------------------------------------------------------------------
# District dashboard
# ------------------------------------------------------------------------------
def _dashboard_area(user) -> Area | None:
    if user.is_superuser and user.area_id is None:
        return portal_selectors.districts().first()
    return portal_selectors.user_scope_area(user=user)


def _count(value) -> str:
    return "" if value is None else str(int(value))


def _section(key: str, title: str, first_col: str, rows: list[dict], *, horizontal: bool = False) -> dict:
    chart = {
        "type": "bar",
        "horizontal": horizontal,
        "labels": [row["label"] for row in rows],
        "datasets": [
            {"label": str(_("Trained")), "data": [row["trained"] for row in rows]},
            {"label": str(_("Passed")), "data": [row["passed"] for row in rows]},
        ],
    }
    height = max(16, 2 * len(rows) + 6) if horizontal else 18
    # A district has hundreds of streets and venues: the rows are joined here (escaped) rather
    # than looped in the template, which costs ~10× more per cell.
    cells = ("trained", "passed", "fire", "hydrant")
    body = mark_safe(  # noqa: S308 - the label is escaped; the other cells are our own integers
        "".join(
            f'<tr><th scope="row">{escape(row["label"])}</th>'
            + "".join(f'<td class="num">{_count(row.get(cell))}</td>' for cell in cells)
            + "</tr>"
            for row in rows
        )
    )
    return {
        "key": key,
        "title": title,
        "first_col": first_col,
        "rows": rows,
        "body": body,
        "chart": chart,
        "chart_id": f"chart-{key}",
        "height": height,
    }


@login_required
@require_GET
def dashboard(request):
    """Annual counts of the admin's area against the district's targets; ?format=xlsx exports."""
    if not _has_role(request.user, {Role.DISTRICT_ADMIN}):
        raise _forbid()
    area = _dashboard_area(request.user)
    if area is None:
        raise _forbid()
    this_year = timezone.localdate().year
    form = DashboardForm(request.GET or None, years=list(range(this_year, this_year - 5, -1)))
    year = form.cleaned_data["year"] if form.is_valid() else this_year
    counts = selectors.annual_counts(area=area, year=year)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(selectors.annual_counts_xlsx(counts=counts), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="training-{year}.xlsx"'
        return response
    targets = {(t["metric"], t["kind"]): t["value"] for t in counts.targets}
    passed_target = targets.get((Metric.TRAINEES_PASSED_PER_YEAR, Target.Kind.TARGET))
    trained_target = targets.get((Metric.TRAINEES_TRAINED_PER_YEAR, Target.Kind.TARGET))

    def kpi(key, label, value, target=None):
        share = min(100, round(value * 100 / target, 1)) if target else None
        return {
            "key": key,
            "label": label,
            "value": value,
            "target": target,
            "share": share,
            "target_label": _("Target"),
        }

    kpis = [
        kpi("trained", _("Trained (attended)"), counts.trained, trained_target),
        kpi("passed", _("Passed every item"), counts.passed, passed_target),
        kpi("extinguisher", _("灭真火 passed"), counts.extinguisher_passed),
        kpi("hydrant", _("出真水 passed"), counts.hydrant_passed),
    ]
    reference_lines = [
        {"label": t["label"] + _(" (reference line)"), "value": t["value"]}
        for t in counts.targets
        if t["kind"] != Target.Kind.TARGET
    ]

    def rows(source, label_key):
        return [
            {
                "label": str(r[label_key]),
                "trained": r["trained"],
                "passed": r["passed"],
                "fire": r["fire"],
                "hydrant": r["hydrant"],
            }
            for r in source
        ]

    months = {r["month"]: r for r in counts.by_month}
    month_rows = [
        {
            "label": _("%(m)s月") % {"m": m},
            "trained": months.get(m, {}).get("trained", 0),
            "passed": months.get(m, {}).get("passed", 0),
            "fire": months.get(m, {}).get("fire", 0),
            "hydrant": months.get(m, {}).get("hydrant", 0),
        }
        for m in range(1, 13)
    ]
    items_row = [
        {
            "label": "灭火器“灭真火”",
            "trained": counts.extinguisher_trained,
            "passed": counts.extinguisher_passed,
        },
        {"label": "消火栓“出真水”", "trained": counts.hydrant_trained, "passed": counts.hydrant_passed},
    ]
    sections = [
        _section("items", _("灭真火 and 出真水"), _("Item"), items_row),
        _section(
            "category", _("By category"), _("Category"), rows(counts.by_category, "label"), horizontal=True
        ),
        _section("street", _("By street"), _("Street"), rows(counts.by_street, "name"), horizontal=True),
        _section("venue", _("By venue"), _("Venue"), rows(counts.by_venue, "name"), horizontal=True),
        _section("month", _("By month"), _("Month"), month_rows),
    ]
    # Target lines on the monthly chart would mislead (they are yearly): show them on the totals.
    sections[0]["chart"]["lines"] = [
        {"label": str(_("Passed target")), "value": passed_target} if passed_target else None,
        {"label": str(_("Trained target")), "value": trained_target} if trained_target else None,
    ]
    sections[0]["chart"]["lines"] = [line for line in sections[0]["chart"]["lines"] if line] + [
        {"label": str(line["label"]), "value": line["value"]} for line in reference_lines
    ]
    return render(
        request,
        "training/dashboard.html",
        {
            "form": form,
            "year": year,
            "area_name": area.name,
            "kpis": kpis,
            "reference_lines": reference_lines,
            "sections": sections,
        },
    )


@never_cache
@login_required
@require_GET
def helper_code_page(request):
    """A volunteer helping at a session shows this QR to the trainer to sign in and out."""
    person = selectors.person_of_user(user=request.user)
    code = services.helper_code(person=person) if person is not None else ""
    response = render(request, "training/helper_code.html", {"code": code})
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def certificate_find(request):
    """The dashboard's "revoke a certificate" box: from a typed number to its revoke page."""
    if not _has_role(request.user, {Role.DISTRICT_ADMIN}):
        raise _forbid()
    number = (request.GET.get("number") or "").strip().upper()[:32]
    # Certificate numbers are ASCII letters, digits and dashes; anything else could not even be
    # put in the revoke page's URL (a "/" made this a server error).
    number = "".join(c for c in number if c.isascii() and (c.isalnum() or c == "-"))
    return (
        redirect("training:certificate_revoke", number=number) if number else redirect("training:dashboard")
    )

"""Volunteers pages: thin views. Each reads through ``volunteers.selectors`` and writes through one
``volunteers.services`` call; domain errors come back as Chinese messages, nothing saved.

Roles: residents register; volunteers see their page, activities, hours and certificate; team
leaders (and street coordinators, who may do everything a leader does in their street) publish
activities, run the sign-in desk and decide hours; street coordinators decide registrations and
keep the roster; district admins watch progress and select role models. Area scoping is the
selectors' and services' job (``portal.selectors.visible_to``); the checks here only keep people
off pages that are not theirs.
"""

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal import pdf, validators
from portal import selectors as portal_selectors
from portal.errors import PortalError
from portal.models import Area, Certificate, CertificateKind, Channel, Role
from portal.params import id_param
from portal.ratelimit import rate_limited
from volunteers import selectors, services
from volunteers.forms import (
    ActivityForm,
    CorrectionForm,
    DeclareForm,
    GroupHoursForm,
    InsuranceForm,
    NominateForm,
    ReasonForm,
    RegistrationForm,
    TeamCodeForm,
    TeamRequestForm,
)
from volunteers.models import (
    Activity,
    ServiceRecord,
    SignUp,
    Team,
    TeamMembership,
    VolunteerProfile,
)

LEADER_ROLES = frozenset({Role.TEAM_LEADER, Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN})
COORDINATOR_ROLES = frozenset({Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN})
DISTRICT_ROLES = frozenset({Role.DISTRICT_ADMIN})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def roles_required(roles: frozenset[str]):
    """Logged in and holding one of ``roles`` (superusers pass); otherwise 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not (user.is_superuser or user.role_codes & roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _report(request, exc: PortalError) -> None:
    messages.error(request, exc.message)


def _form_error_from(form, exc: PortalError | ValidationError) -> None:
    """Put a service's error on the form: on its field when the form has one, else on top."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, ValidationError(exc.message, code=exc.code))


def _profile_or_redirect(request):
    profile = selectors.volunteer_profile_for(user=request.user)
    if profile is None:
        messages.info(request, _("Register as a fire volunteer first."))
    return profile


def _staff_district(user) -> Area | None:
    """The district a staff user answers for (their area's top), or the first district for superusers."""
    area = portal_selectors.user_scope_area(user=user)
    if area is not None:
        return Area.objects.get(pk=area.district_id)
    if user.is_superuser:
        return portal_selectors.districts().first()
    return None


# ------------------------------------------------------------------------------
# Residents: registration
# ------------------------------------------------------------------------------
@require_GET
def home(request):
    if request.user.is_authenticated and selectors.volunteer_profile_for(user=request.user):
        return redirect("volunteers:me")
    return render(request, "volunteers/home.html")


@login_required
@never_cache
def register(request):
    user = request.user
    profile = selectors.volunteer_profile_for(user=user)
    if profile is not None:
        return redirect("volunteers:me")
    form = RegistrationForm(request.POST or None, district=None)
    if request.method == "POST" and user.phone_verified and form.is_valid():
        data = form.cleaned_data
        try:
            services.volunteer_register(
                user=user,
                name=data["name"],
                id_number=data["id_number"],
                street=data["street"],
                community=data["community"],
                skills=data["skills"],
                availability=data["availability"],
                emergency_contact_name=data["emergency_contact_name"],
                emergency_contact_phone=data["emergency_contact_phone"],
                notice_consent=data["notice_read"],
                id_consent=data["id_consent"],
                guardian=form.guardian(),
            )
        except (PortalError, ValidationError) as exc:
            _form_error_from(form, exc)
        else:
            return redirect("volunteers:register_done")
    return render(
        request,
        "volunteers/register.html",
        {"form": form, "phone_verified": user.phone_verified},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def register_done(request):
    profile = selectors.volunteer_profile_for(user=request.user)
    if profile is None:
        return redirect("volunteers:register")
    return render(request, "volunteers/register_done.html", {"profile": profile})


# ------------------------------------------------------------------------------
# Volunteers
# ------------------------------------------------------------------------------
@login_required
@require_GET
def me(request):
    profile = _profile_or_redirect(request)
    if profile is None:
        return redirect("volunteers:register")
    memberships = selectors.teams_of_volunteer(user=request.user).exclude(status=TeamMembership.Status.LEFT)
    signups = selectors.signups_of(user=request.user).filter(
        activity__ends_at__gte=timezone.now() - datetime.timedelta(days=30)
    )[:10]
    training = selectors.training_status_for(person=profile.person)
    certificates = Certificate.objects.filter(
        holder=profile.person, kind=CertificateKind.VOLUNTEER_SERVICE
    ).order_by("-issued_on", "-id")[:3]
    return render(
        request,
        "volunteers/me.html",
        {
            "profile": profile,
            "stars": range(profile.star_level),
            "memberships": memberships,
            "signups": signups,
            "training": training,
            "certificates": certificates,
        },
    )


@login_required
@never_cache
@require_GET
def my_qr(request):
    """The volunteer's personal sign-in QR as a PNG: an opaque signed code, no personal data."""
    profile = selectors.volunteer_profile_for(user=request.user)
    if profile is None or profile.status != VolunteerProfile.Status.APPROVED:
        raise Http404
    response = HttpResponse(pdf.qr_png(services.volunteer_qr_code(profile=profile)), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def activity_list(request):
    profile = selectors.volunteer_profile_for(user=request.user)
    activities = selectors.activities_open(district=profile.district if profile else None)
    return render(request, "volunteers/activity_list.html", {"activities": activities})


def _can_manage(user, activity_id: int) -> bool:
    if not user.is_authenticated or not (user.is_superuser or user.role_codes & LEADER_ROLES):
        return False
    return selectors.activity_for_manage(user=user, activity_id=activity_id) is not None


@require_GET
def activity_detail(request, pk: int):
    can_lead = _can_manage(request.user, pk)
    activities = Activity.objects.select_related("team", "area", "channel")
    if not can_lead:
        activities = activities.exclude(status=Activity.Status.DRAFT)
    activity = get_object_or_404(activities, pk=pk)
    profile = selectors.volunteer_profile_for(user=request.user) if request.user.is_authenticated else None
    signup = SignUp.objects.filter(activity=activity, volunteer=profile).first() if profile else None
    taken = activity.signups.filter(status=SignUp.Status.SIGNED_UP).count()
    return render(
        request,
        "volunteers/activity_detail.html",
        {
            "activity": activity,
            "profile": profile,
            "signup": signup,
            "taken": taken,
            "can_lead": can_lead,
        },
    )


@login_required
@require_POST
def activity_signup(request, pk: int):
    activity = get_object_or_404(Activity, pk=pk)
    try:
        services.signup_create(user=request.user, activity=activity)
    except PortalError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("You are signed up. Remember to sign in when you arrive."))
    return redirect("volunteers:activity_detail", pk=pk)


@login_required
@require_POST
def activity_cancel(request, pk: int):
    activity = get_object_or_404(Activity, pk=pk)
    try:
        services.signup_cancel(user=request.user, activity=activity)
    except PortalError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Your sign-up is cancelled."))
    return redirect("volunteers:activity_detail", pk=pk)


def _scan_answer(request, *, ok: bool, message: str, back: str, **extra):
    if _wants_json(request):
        return JsonResponse({"ok": ok, "message": message, **extra}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(back)


def _attendance_message(attendance) -> str:
    name = attendance.volunteer.person.name
    if attendance.signed_out_at:
        return _("%(name)s signed out at %(time)s.") % {
            "name": name,
            "time": timezone.localtime(attendance.signed_out_at).strftime("%H:%M"),
        }
    return _("%(name)s signed in at %(time)s.") % {
        "name": name,
        "time": timezone.localtime(attendance.signed_in_at).strftime("%H:%M"),
    }


@login_required
@never_cache
@rate_limited("scan")
def scan(request):
    """The volunteer scans the activity's rotating QR: sign in, or sign out when already in."""
    profile = _profile_or_redirect(request)
    if profile is None:
        return redirect("volunteers:register")
    if request.method == "POST":
        try:
            attendance = services.attendance_scan_activity(
                user=request.user, code=request.POST.get("code", "")
            )
        except PortalError as exc:
            return _scan_answer(
                request, ok=False, message=exc.message, back=reverse("volunteers:scan"), code=exc.code
            )
        return _scan_answer(
            request,
            ok=True,
            message=_attendance_message(attendance),
            back=reverse("volunteers:scan"),
            signed_out=bool(attendance.signed_out_at),
        )
    return render(request, "volunteers/scan.html", {"profile": profile})


MY_HOURS_PAGE = 20  # records a page, newest first: a phone screen's worth, older ones a tap away
MY_HOURS_CACHE_SECONDS = 3600


def _my_hours_fragments(request, *, profile, page: int) -> tuple[str, str]:
    """The figures and the records list of one volunteer's page, rendered once and kept in the
    cache under the volunteer's ``records_version`` (bumped in the same transaction by every
    service that changes their records), the page, the language, the time zone and the
    district's star thresholds: an approval shows at once, and the key holds the volunteer's
    own profile id, so nobody else's fragment can come back. A cache outage is a miss."""
    thresholds = services.star_thresholds(district=profile.district)
    key = "volunteers:my_hours:" + ":".join(
        str(part)
        for part in (
            profile.pk,
            int(profile.created_at.timestamp() * 1e6),  # a reused id (restored or reseeded) is a new key
            profile.records_version,
            page,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            ",".join(str(t) for t in thresholds),
        )
    )
    fragments = cache.get(key)
    if fragments is None:
        hours = selectors.my_hours(
            user=request.user, limit=MY_HOURS_PAGE, page=page, profile=profile, thresholds=thresholds
        )
        fragments = (
            str(render_to_string("volunteers/includes/my_hours_figures.html", {"hours": hours})),
            str(render_to_string("volunteers/includes/my_hours_records.html", {"hours": hours})),
        )
        cache.set(key, fragments, MY_HOURS_CACHE_SECONDS)
    return mark_safe(fragments[0]), mark_safe(fragments[1])  # noqa: S308 — our own rendered templates


@login_required
@require_GET
def my_hours(request):
    profile = selectors.volunteer_profile_for(user=request.user)
    if profile is None:
        return redirect("volunteers:register")
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    figures, records = _my_hours_fragments(request, profile=profile, page=page)
    return render(request, "volunteers/my_hours.html", {"figures": figures, "records": records})


@login_required
@never_cache
def declare(request):
    profile = _profile_or_redirect(request)
    if profile is None:
        return redirect("volunteers:register")
    attended = selectors.activities_attended_by(user=request.user)
    form = DeclareForm(request.POST or None, activities=attended)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.service_record_declare(
                user=request.user,
                activity=data["activity"],
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                note=data["note"],
            )
        except (PortalError, ValidationError) as exc:
            _form_error_from(form, exc)
        else:
            messages.success(request, _("Your hours are recorded and wait for approval."))
            return redirect("volunteers:my_hours")
    return render(
        request,
        "volunteers/form_page.html",
        {
            "form": form,
            "heading": _("Declare hours for an activity"),
            "intro": _("Only actual service time counts, not travel. A leader or coordinator approves it."),
            "submit_label": _("Submit for approval"),
            "back_url": reverse("volunteers:my_hours"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
def correction(request, pk: int):
    record = get_object_or_404(
        ServiceRecord.objects.select_related("activity"), pk=pk, volunteer__user=request.user
    )
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correction_request(
                record=record,
                user=request.user,
                reason=data["reason"],
                proposed_started_at=data["proposed_started_at"],
                proposed_ended_at=data["proposed_ended_at"],
            )
        except (PortalError, ValidationError) as exc:
            _form_error_from(form, exc)
        else:
            messages.success(request, _("Your correction request has been sent."))
            return redirect("volunteers:my_hours")
    return render(
        request,
        "volunteers/form_page.html",
        {
            "form": form,
            "heading": _("Ask for a correction"),
            "intro": _("Record: %(title)s, %(hours)s hours, %(state)s.")
            % {"title": record.title, "hours": record.hours, "state": record.get_state_display()},
            "submit_label": _("Send the request"),
            "back_url": reverse("volunteers:my_hours"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
def my_certificate(request):
    """POST issues (or re-uses) the service-hours certificate; GET shows it with its download."""
    profile = _profile_or_redirect(request)
    if profile is None:
        return redirect("volunteers:register")
    if request.method == "POST":
        try:
            certificate = services.volunteer_certificate_issue(user=request.user)
        except PortalError as exc:
            _report(request, exc)
            return redirect("volunteers:me")
        return redirect(reverse("volunteers:my_certificate") + f"?n={certificate.number}")
    number = request.GET.get("n", "")
    certificate = (
        Certificate.objects.filter(holder=profile.person, number=number).first()
        if number
        else Certificate.objects.filter(holder=profile.person, kind=CertificateKind.VOLUNTEER_SERVICE)
        .order_by("-issued_on", "-id")
        .first()
    )
    if certificate is None:
        raise Http404
    return render(request, "volunteers/certificate.html", {"certificate": certificate, "profile": profile})


@login_required
@never_cache
def team_join(request):
    profile = _profile_or_redirect(request)
    if profile is None:
        return redirect("volunteers:register")
    teams = Team.objects.filter(is_active=True, area__path__startswith=profile.street.path).order_by("name")
    code_form = TeamCodeForm(request.POST if request.POST.get("form") == "code" else None, prefix="c")
    request_form = TeamRequestForm(
        request.POST if request.POST.get("form") == "request" else None, teams=teams, prefix="r"
    )
    if request.method == "POST":
        form = code_form if request.POST.get("form") == "code" else request_form
        if form.is_valid():
            try:
                if form is code_form:
                    membership = services.team_join_by_code(user=request.user, code=form.cleaned_data["code"])
                    messages.success(request, _("Welcome to %(team)s.") % {"team": membership.team.name})
                else:
                    membership = services.team_request_join(
                        user=request.user,
                        team=form.cleaned_data["team"],
                        message=form.cleaned_data["message"],
                    )
                    messages.success(
                        request,
                        _("Your request to join %(team)s is waiting for the team leader.")
                        % {"team": membership.team.name},
                    )
            except PortalError as exc:
                _form_error_from(form, exc)
            else:
                return redirect("volunteers:me")
    return render(
        request,
        "volunteers/team_join.html",
        {"code_form": code_form, "request_form": request_form},
        status=400 if (code_form.errors or request_form.errors) else 200,
    )


# ------------------------------------------------------------------------------
# Team leaders (and coordinators)
# ------------------------------------------------------------------------------
@roles_required(LEADER_ROLES)
@require_GET
def lead_home(request):
    teams = selectors.teams_for_leader(user=request.user)
    activities = selectors.activities_managed_by(user=request.user).filter(
        ends_at__gte=timezone.now() - datetime.timedelta(days=7)
    )[:30]
    requests_count = selectors.team_join_requests(user=request.user).count()
    pending_count = selectors.pending_records_for(user=request.user).count()
    return render(
        request,
        "volunteers/lead_home.html",
        {
            "teams": teams,
            "activities": activities,
            "requests_count": requests_count,
            "pending_count": pending_count,
        },
    )


def _activity_form(request, data=None) -> ActivityForm:
    user = request.user
    areas = portal_selectors.areas_visible_to(user=user).filter(
        level__in=[Area.Level.STREET, Area.Level.COMMUNITY]
    )
    return ActivityForm(
        data,
        teams=selectors.teams_for_leader(user=user),
        areas=areas,
        channels=Channel.objects.all(),
    )


@roles_required(LEADER_ROLES)
@never_cache
def activity_new(request):
    form = _activity_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.activity_publish(
                team=data["team"],
                by=request.user,
                title=data["title"],
                activity_type=data["activity_type"],
                channel=data["channel"],
                area=data["area"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                minimum_age=data["minimum_age"],
                is_risky=data["is_risky"],
                location=data["location"],
                description=data["description"],
                insurance_policy_number=data["insurance_policy_number"],
                insurer=data["insurer"],
            )
        except (PortalError, ValidationError) as exc:
            _form_error_from(form, exc)
        else:
            if activity.status == Activity.Status.OPEN:
                messages.success(request, _("The activity is published and open for sign-ups."))
            else:
                messages.warning(
                    request,
                    _("Saved as a draft: a risky activity opens once its insurance is recorded."),
                )
            return redirect("volunteers:activity_signin", pk=activity.pk)
    return render(
        request,
        "volunteers/form_page.html",
        {
            "form": form,
            "heading": _("Publish an activity"),
            "intro": _("Volunteers of your street see it in their activity list as soon as it is open."),
            "submit_label": _("Publish"),
            "back_url": reverse("volunteers:lead_home"),
        },
        status=400 if form.errors else 200,
    )


def _managed_activity(request, pk: int) -> Activity:
    activity = selectors.activity_for_manage(user=request.user, activity_id=pk)
    if activity is None:
        raise Http404
    return activity


@roles_required(LEADER_ROLES)
@never_cache
@rate_limited("scan")
def activity_signin(request, pk: int):
    """The sign-in desk: scan volunteers' personal QRs (or tap a name), show the rotating QR."""
    activity = _managed_activity(request, pk)
    back = reverse("volunteers:activity_signin", args=[pk])
    if request.method == "POST":
        code = request.POST.get("code", "")
        profile_id = request.POST.get("volunteer")
        if profile_id and not code:
            # The manual list fallback goes through the same service as a scan, with the same code.
            # A tampered, non-numeric id is an unknown volunteer (the service's answer), not a crash.
            profile = VolunteerProfile.objects.filter(
                pk=id_param(profile_id), signups__activity=activity
            ).first()
            code = services.volunteer_qr_code(profile=profile) if profile else ""
        try:
            attendance = services.attendance_scan_volunteer(activity=activity, by=request.user, code=code)
        except PortalError as exc:
            return _scan_answer(request, ok=False, message=exc.message, back=back, code=exc.code)
        return _scan_answer(request, ok=True, message=_attendance_message(attendance), back=back)
    roster = selectors.activity_roster(activity=activity)
    insurance_form = InsuranceForm() if activity.is_risky and not activity.insurance_policy_number else None
    return render(
        request,
        "volunteers/activity_signin.html",
        {"activity": activity, "roster": roster, "insurance_form": insurance_form},
    )


@roles_required(LEADER_ROLES)
@require_POST
def activity_insurance(request, pk: int):
    activity = _managed_activity(request, pk)
    form = InsuranceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the insurer and the policy number."))
    else:
        try:
            services.activity_record_insurance(
                activity=activity,
                by=request.user,
                policy_number=form.cleaned_data["policy_number"],
                insurer=form.cleaned_data["insurer"],
            )
            services.activity_open(activity=activity, by=request.user)
        except PortalError as exc:
            _report(request, exc)
        else:
            messages.success(request, _("Insurance recorded; the activity is open for sign-ups."))
    return redirect("volunteers:activity_signin", pk=pk)


@roles_required(LEADER_ROLES)
@require_GET
def activity_qr(request, pk: int):
    activity = _managed_activity(request, pk)
    return render(request, "volunteers/activity_qr.html", {"activity": activity})


@roles_required(LEADER_ROLES)
@never_cache
@require_GET
def activity_qr_png(request, pk: int):
    """The rotating activity QR (valid about a minute; the page reloads it every 30 seconds)."""
    activity = _managed_activity(request, pk)
    code = services.activity_qr_code(activity=activity)
    response = HttpResponse(pdf.qr_png(code), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@roles_required(LEADER_ROLES)
@never_cache
def activity_hours(request, pk: int):
    activity = _managed_activity(request, pk)
    volunteers = VolunteerProfile.objects.filter(
        signups__activity=activity, signups__status=SignUp.Status.SIGNED_UP
    ).select_related("person")
    form = GroupHoursForm(
        request.POST or None,
        volunteers=volunteers,
        initial={
            "started_at": timezone.localtime(activity.starts_at),
            "ended_at": timezone.localtime(activity.ends_at),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            records = services.service_record_enter_group(
                by=request.user,
                activity=activity,
                volunteers=list(data["volunteers"]),
                started_at=data["started_at"],
                ended_at=data["ended_at"],
                note=data["note"],
            )
        except (PortalError, ValidationError) as exc:
            _form_error_from(form, exc)
        else:
            messages.success(
                request, _("%(n)s records entered; they wait for approval.") % {"n": len(records)}
            )
            return redirect("volunteers:records_pending")
    return render(
        request,
        "volunteers/form_page.html",
        {
            "form": form,
            "heading": _("Enter hours for a group"),
            "intro": activity.title,
            "submit_label": _("Enter the hours"),
            "back_url": reverse("volunteers:activity_signin", args=[pk]),
        },
        status=400 if form.errors else 200,
    )


@roles_required(LEADER_ROLES)
@never_cache
def records_pending(request):
    """Pending records this leader or coordinator may decide, approved or declined in bulk."""
    records = selectors.pending_records_for(user=request.user)
    if request.method == "POST":
        ids = [int(x) for x in request.POST.getlist("record") if x.isdigit()]
        # The service decides who may decide what (own record → self_approval, other area →
        # NOT_IN_YOUR_AREA), so a tampered or stale form gets its message instead of a silent skip.
        chosen = list(
            ServiceRecord.objects.filter(pk__in=ids, state=ServiceRecord.State.PENDING).select_related(
                "volunteer", "team", "area"
            )
        )
        action = request.POST.get("action")
        if not chosen:
            messages.error(request, _("Tick at least one record."))
        else:
            try:
                if action == "decline":
                    count = services.service_record_decline(
                        records=chosen, by=request.user, reason=request.POST.get("reason", "").strip()
                    )
                    messages.success(request, _("%(n)s records declined.") % {"n": count})
                else:
                    count = services.service_record_approve(records=chosen, by=request.user)
                    messages.success(request, _("%(n)s records approved.") % {"n": count})
            except PortalError as exc:
                _report(request, exc)
        return redirect("volunteers:records_pending")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    return render(request, "volunteers/records_pending.html", {"page": page, "records": page.object_list})


@roles_required(LEADER_ROLES)
@never_cache
def join_requests(request):
    pending = selectors.team_join_requests(user=request.user)
    if request.method == "POST":
        membership = get_object_or_404(pending, pk=id_param(request.POST.get("membership")))
        try:
            services.team_request_decide(
                membership=membership, by=request.user, accept=request.POST.get("action") == "accept"
            )
        except PortalError as exc:
            _report(request, exc)
        else:
            messages.success(request, _("Done."))
        return redirect("volunteers:join_requests")
    return render(request, "volunteers/join_requests.html", {"pending": pending})


@roles_required(LEADER_ROLES)
@never_cache
def corrections(request):
    """Open correction requests on records this leader or coordinator may decide."""
    open_requests = selectors.corrections_open_for(user=request.user)
    if request.method == "POST":
        correction = get_object_or_404(open_requests, pk=id_param(request.POST.get("correction")))
        try:
            services.correction_decide(
                correction=correction,
                by=request.user,
                accept=request.POST.get("action") == "accept",
                response=request.POST.get("response", "").strip(),
            )
        except PortalError as exc:
            _report(request, exc)
        else:
            messages.success(request, _("Decision saved."))
        return redirect("volunteers:corrections")
    return render(request, "volunteers/corrections.html", {"corrections": open_requests})


# ------------------------------------------------------------------------------
# Street coordinators
# ------------------------------------------------------------------------------
@roles_required(COORDINATOR_ROLES)
@never_cache
def street_home(request):
    """Pending registrations of the coordinator's street, approved or declined with a reason."""
    pending = selectors.pending_registrations_for(user=request.user)
    if request.method == "POST":
        profile = get_object_or_404(pending, pk=id_param(request.POST.get("profile")))
        try:
            if request.POST.get("action") == "decline":
                services.volunteer_decline(
                    profile=profile, by=request.user, reason=request.POST.get("reason", "").strip()
                )
                messages.success(request, _("Registration declined; the applicant sees your reason."))
            else:
                profile = services.volunteer_approve(profile=profile, by=request.user)
                messages.success(
                    request,
                    _("%(name)s is approved with volunteer number %(number)s.")
                    % {"name": profile.person.name, "number": profile.number},
                )
        except PortalError as exc:
            _report(request, exc)
        return redirect("volunteers:street_home")
    return render(request, "volunteers/street_home.html", {"pending": pending, "reason_form": ReasonForm()})


@roles_required(COORDINATOR_ROLES)
@require_GET
def roster(request):
    status = request.GET.get("status") or None
    search = request.GET.get("q", "").strip()
    street = None
    if request.GET.get("street", "").isdigit():
        street = portal_selectors.areas_visible_to(user=request.user).filter(pk=request.GET["street"]).first()
    if request.GET.get("format") == "xlsx":
        data = selectors.roster_xlsx(user=request.user, street=street)
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="volunteers-roster.xlsx"'
        return response
    profiles = selectors.roster_for(user=request.user, status=status, street=street, search=search)
    page = Paginator(profiles, 50).get_page(request.GET.get("page"))
    streets = portal_selectors.areas_visible_to(user=request.user).filter(level=Area.Level.STREET)
    return render(
        request,
        "volunteers/roster.html",
        {
            "page": page,
            "profiles": page.object_list,
            "status": status or "",
            "search": search,
            "street": street,
            "streets": streets,
            "statuses": VolunteerProfile.Status.choices,
        },
    )


@roles_required(COORDINATOR_ROLES)
@never_cache
def nominate(request):
    volunteers = selectors.roster_for(user=request.user, status=VolunteerProfile.Status.APPROVED)
    form = NominateForm(request.POST or None, volunteers=volunteers)
    if request.method == "POST" and form.is_valid():
        try:
            services.role_model_nominate(
                volunteer=form.cleaned_data["volunteer"],
                by=request.user,
                citation=form.cleaned_data["citation"],
            )
        except (PortalError, ValidationError) as exc:
            _form_error_from(form, exc)
        else:
            messages.success(request, _("Nomination sent to the district."))
            return redirect("volunteers:street_home")
    return render(
        request,
        "volunteers/form_page.html",
        {
            "form": form,
            "heading": _("Nominate a volunteer role model"),
            "intro": _("The district selects the role models (典型) from the nominations of every street."),
            "submit_label": _("Nominate"),
            "back_url": reverse("volunteers:street_home"),
        },
        status=400 if form.errors else 200,
    )


# ------------------------------------------------------------------------------
# District admins
# ------------------------------------------------------------------------------
def _chart(chart_type: str, label: str, rows) -> dict:
    """A chart.js spec for ``json_script``: one dataset from (label, value) rows."""
    return {
        "type": chart_type,
        "labels": [str(name) for name, _value in rows],
        "datasets": [
            {
                "label": str(label),
                "data": [float(value) for _name, value in rows],
                "backgroundColor": "#b71c1c",
            }
        ],
    }


@roles_required(DISTRICT_ROLES)
@require_GET
def district_dashboard(request):
    district = _staff_district(request.user)
    if district is None:
        raise PermissionDenied
    progress = selectors.progress(user=request.user, district=district)
    ref_pos = None
    if progress.target and progress.reference:
        ref_pos = min(100, round(progress.reference * 100 / float(progress.target), 1))
    streets = [(row.street.name, row.registered) for row in progress.by_street]
    chart_streets = _chart("bar", _("Registered volunteers"), streets)
    if any(row.reference for row in progress.by_street):
        chart_streets["datasets"].append(
            {
                "label": str(_("Reference line: 3 per cent of residents")),
                "data": [row.reference or 0 for row in progress.by_street],
                "backgroundColor": "rgba(21, 101, 192, 0.35)",
                "borderColor": "#1565c0",
                "borderWidth": 1,
            }
        )
    months = [(m.strftime("%Y-%m"), h) for m, h in progress.hours_by_month]
    # One row per street (300 in a big district): built here in one pass rather than by the
    # template engine row by row, so the page costs about the same for 10 streets or 300.
    street_rows = format_html_join(
        "\n",
        '<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>',
        (
            (
                row.street.name,
                row.registered,
                row.reference or "—",
                f"{round(row.registered * 100 / row.reference)}%" if row.reference else "—",
            )
            for row in progress.by_street
        ),
    )
    return render(
        request,
        "volunteers/district_dashboard.html",
        {
            "district": district,
            "progress": progress,
            "ref_pos": ref_pos,
            "chart_streets": chart_streets,
            "street_rows": street_rows,
            "chart_types": _chart("bar", _("Hours"), progress.hours_by_type),
            "chart_channels": _chart("bar", _("Hours"), progress.hours_by_channel),
            "chart_months": _chart("line", _("Hours"), months),
        },
    )


@roles_required(DISTRICT_ROLES)
@require_GET
def district_export(request, kind: str):
    if kind == "roster":
        data, name = selectors.roster_xlsx(user=request.user), "volunteers-roster.xlsx"
    elif kind == "hours":
        year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else None
        data, name = selectors.hours_xlsx(user=request.user, year=year), "volunteers-hours.xlsx"
    else:
        raise Http404
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@roles_required(DISTRICT_ROLES)
@never_cache
def role_models(request):
    district = _staff_district(request.user)
    if district is None:
        raise PermissionDenied
    nominations = selectors.role_models(district=district)
    if request.method == "POST":
        nomination = get_object_or_404(nominations, pk=id_param(request.POST.get("nomination")))
        try:
            services.role_model_select(
                nomination=nomination, by=request.user, selected=request.POST.get("action") == "select"
            )
        except PortalError as exc:
            _report(request, exc)
        else:
            messages.success(request, _("Decision saved."))
        return redirect("volunteers:role_models")
    selected = sum(1 for n in nominations if n.status == n.Status.SELECTED)
    return render(
        request,
        "volunteers/role_models.html",
        {"district": district, "nominations": nominations, "selected_count": selected},
    )


@require_GET
def star_notices(request):
    """The public notice list of newly reached star levels (names masked)."""
    district_id = id_param(request.GET.get("district"))
    district = (
        Area.objects.filter(pk=district_id, level=Area.Level.DISTRICT).first()
        if district_id is not None
        else (_staff_district(request.user) if request.user.is_authenticated else None)
    ) or portal_selectors.districts().first()
    notices = [
        {
            "masked_name": validators.mask_name(n.volunteer.person.name),
            "volunteer": n.volunteer,
            "stars": "★" * n.level,
            "hours": n.hours,
            "publish_until": n.publish_until,
        }
        for n in (selectors.star_notices_current(district=district) if district else [])
    ]
    return render(request, "volunteers/star_notices.html", {"district": district, "notices": notices})

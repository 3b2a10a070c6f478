"""Volunteer services: every write of the volunteers app goes through one of these functions.

Keyword-only, typed, ``<entity>_<verb>``; each docstring states the rule it enforces and the
error codes it raises (``PortalError.code``). Views, the API, the admin, tasks and the signal
receiver all call these, so a rule holds everywhere or nowhere.
"""

import datetime
import itertools
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Max, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import selectors, services, validators
from portal.codes import code_issue, code_verify, human_code
from portal.errors import NotFound, PermissionDenied, PortalError
from portal.models import Area, Certificate, CertificateKind, Channel, Organisation, Person, Role, User
from volunteers.models import (
    DEFAULT_STAR_THRESHOLDS,
    Activity,
    ActivityType,
    Attendance,
    CertificateSetting,
    CorrectionRequest,
    HoursTally,
    MonthlyHoursTally,
    RoleModel,
    ServiceCertificate,
    ServiceRecord,
    SignUp,
    StarLevelSetting,
    StarNotice,
    Team,
    TeamMembership,
    VolunteerNumberSerial,
    VolunteerProfile,
)

MINIMUM_AGE = 14
ADULT_AGE = 18
AUTO_CLOSE_AFTER = datetime.timedelta(hours=24)
SIGN_IN_EARLY = datetime.timedelta(hours=2)
VOLUNTEER_QR_PURPOSE = "volunteers.volunteer"
ACTIVITY_QR_PURPOSE = "volunteers.activity"
COORDINATOR_ROLES = frozenset({Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN})
TWO_PLACES = Decimal("0.01")


# ------------------------------------------------------------------------------
# Permission helpers (rules, so they live here; selectors reuse them for reads)
# ------------------------------------------------------------------------------
def user_coordinates(*, user: User, area: Area) -> bool:
    """A street coordinator or district admin responsible for ``area`` (or a superuser)."""
    return selectors.user_can_act_in(user=user, area=area, roles=COORDINATOR_ROLES)


def user_leads(*, user: User, team: Team) -> bool:
    return user.is_authenticated and team.leaders.filter(pk=user.pk).exists()


def user_manages_team(*, user: User, team: Team) -> bool:
    """Leaders of the team and coordinators of its area run its activities and records."""
    return user_leads(user=user, team=team) or user_coordinates(user=user, area=team.area)


def _require_team_manager(*, user: User, team: Team) -> None:
    if not user_manages_team(user=user, team=team):
        raise PermissionDenied(
            _("Only the team's leaders or the coordinator of its area may do this."), code="NOT_TEAM_LEADER"
        )


def _require_coordinator(*, user: User, area: Area) -> None:
    if not user_coordinates(user=user, area=area):
        raise PermissionDenied(
            _("This is outside the area you are responsible for."), code="NOT_IN_YOUR_AREA"
        )


def _profile_of(user: User, *, approved: bool = True) -> VolunteerProfile:
    profile = (
        VolunteerProfile.objects.select_related("person").filter(user=user).first()
        if user.is_authenticated
        else None
    )
    if profile is None:
        raise PortalError(_("Please register as a volunteer first."), code="NOT_A_VOLUNTEER")
    if approved and profile.status != VolunteerProfile.Status.APPROVED:
        raise PortalError(
            _("Your volunteer registration has not been approved yet."), code="VOLUNTEER_NOT_APPROVED"
        )
    return profile


def _district_of(area: Area) -> Area:
    return area if area.parent_id is None else Area.objects.get(pk=area.district_id)


def _hours_between(start: datetime.datetime, end: datetime.datetime) -> Decimal:
    seconds = max(0, (end - start).total_seconds())
    return (Decimal(seconds) / Decimal(3600)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _clip(*, activity: Activity, start: datetime.datetime, end: datetime.datetime) -> tuple:
    """Service time counts only within the activity's own time (no travel, no waiting)."""
    start = min(max(start, activity.starts_at), activity.ends_at)
    end = max(min(end, activity.ends_at), start)
    return start, end


# ------------------------------------------------------------------------------
# Registration
# ------------------------------------------------------------------------------
def volunteer_age(*, id_number: str, today: datetime.date | None = None) -> int:
    """Full years of age on ``today`` from the birth date inside a resident ID number."""
    birth = validators.id_birth_date(validators.normalize_id_number(id_number))
    today = today or timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _guardian_fields(guardian: dict | None) -> dict:
    guardian = guardian or {}
    name = (guardian.get("name") or "").strip()
    relation = (guardian.get("relation") or "").strip()
    phone = guardian.get("phone") or ""
    if not (name and relation and phone and guardian.get("consent")):
        raise PortalError(
            _(
                "Volunteers aged 14 to 17 need their guardian's recorded consent: "
                "name, mobile number, relationship."
            ),
            code="GUARDIAN_CONSENT_REQUIRED",
            field="guardian_name",
        )
    try:
        mobile = validators.validate_mobile(phone)
    except ValidationError as exc:
        raise ValidationError({"guardian_phone": exc.error_list}) from exc
    return {
        "guardian_name": name,
        "guardian_relation": relation,
        "guardian_phone": mobile,
        "guardian_phone_masked": validators.mask_phone(mobile),
        "guardian_consented_at": timezone.now(),
    }


@transaction.atomic
def volunteer_register(
    *,
    user: User,
    name: str,
    id_number: str,
    street: Area,
    community: Area | None = None,
    skills: Iterable[str] = (),
    availability: Iterable[str] = (),
    emergency_contact_name: str,
    emergency_contact_phone: str,
    notice_consent: bool,
    id_consent: bool,
    guardian: dict | None = None,
    today: datetime.date | None = None,
) -> VolunteerProfile:
    """Real-name registration, waiting for the street coordinator.

    The account's mobile number must be verified by SMS code (PHONE_NOT_VERIFIED); the notice
    and, separately, the processing of the ID number need consent (NOTICE_CONSENT_REQUIRED,
    ID_CONSENT_REQUIRED). Age from the ID number: under 14 refused (UNDER_14), 14–17 need a
    guardian's consent (GUARDIAN_CONSENT_REQUIRED). A person already known by that ID number is
    reused unless another account owns them (PERSON_TAKEN). One registration per account and
    per person (ALREADY_REGISTERED).
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Please log in first."), code="LOGIN_REQUIRED")
    if not (user.phone and user.phone_verified):
        raise PortalError(
            _("Please verify your mobile number with an SMS code first."),
            code="PHONE_NOT_VERIFIED",
            field="phone",
        )
    if not notice_consent:
        raise PortalError(
            _("Please read the personal information notice and tick the box."),
            code="NOTICE_CONSENT_REQUIRED",
            field="notice_read",
        )
    if not id_consent:
        raise PortalError(
            _("Registration under your real name needs your separate consent to process the ID number."),
            code="ID_CONSENT_REQUIRED",
            field="id_consent",
        )
    try:
        number = validators.validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.error_list}) from exc
    age = volunteer_age(id_number=number, today=today)
    if age < MINIMUM_AGE:
        raise PortalError(_("Volunteers must be at least 14 years old."), code="UNDER_14", field="id_number")
    guardian_fields = _guardian_fields(guardian) if age < ADULT_AGE else {}
    try:
        emergency_phone = validators.validate_mobile(emergency_contact_phone)
    except ValidationError as exc:
        raise ValidationError({"emergency_contact_phone": exc.error_list}) from exc
    if not emergency_contact_name.strip():
        raise ValidationError({"emergency_contact_name": _("Enter the emergency contact's name.")})
    if street.level != Area.Level.STREET:
        raise PortalError(_("Choose a street or township."), code="STREET_REQUIRED", field="street")
    if community is not None and community.parent_id != street.pk:
        raise PortalError(
            _("This community does not belong to the street you chose."),
            code="COMMUNITY_NOT_IN_STREET",
            field="community",
        )
    if VolunteerProfile.objects.filter(user=user).exists():
        raise PortalError(_("You have already registered as a volunteer."), code="ALREADY_REGISTERED")

    area = community or street
    person = selectors.person_find(id_type=Person.IdType.RESIDENT_ID, id_number=number)
    own_person = Person.objects.filter(user=user).first()
    if person is None:
        if own_person is not None:
            raise PortalError(
                _("Your account is already linked to another ID number."),
                code="PERSON_TAKEN",
                field="id_number",
            )
        person = services.person_create(name=name, id_number=number, phone=user.phone, area=area, user=user)
    else:
        if person.user_id not in (None, user.pk) or (own_person is not None and own_person.pk != person.pk):
            raise PortalError(
                _("This ID number is registered to another account."), code="PERSON_TAKEN", field="id_number"
            )
        if VolunteerProfile.objects.filter(person=person).exists():
            raise PortalError(_("You have already registered as a volunteer."), code="ALREADY_REGISTERED")
        # The kernel links the account and tells modules holding work for this real name
        # (course certificates) through ``person_identified``.
        person = services.person_link_user(person=person, user=user)
        if person.area_id is None:
            person.area = area
            person.save(update_fields=["area", "updated_at"])
    now = timezone.now()
    profile = VolunteerProfile.objects.create(
        person=person,
        user=user,
        district=_district_of(street),
        street=street,
        community=community,
        area=area,
        skills=list(skills),
        availability=list(availability),
        emergency_contact_name=emergency_contact_name.strip(),
        emergency_contact_phone=emergency_phone,
        emergency_contact_phone_masked=validators.mask_phone(emergency_phone),
        notice_consented_at=now,
        id_consented_at=now,
        **guardian_fields,
    )
    services.audit_log(
        actor=user,
        action="volunteers.volunteer.registered",
        target=profile,
        area=area,
        data={"age": age, "guardian": bool(guardian_fields)},
    )
    return profile


def _next_volunteer_number(*, district: Area, year: int) -> str:
    serial, _created = VolunteerNumberSerial.objects.get_or_create(district=district, year=year)
    VolunteerNumberSerial.objects.filter(pk=serial.pk).update(last=F("last") + 1)
    serial.refresh_from_db(fields=["last"])
    return f"{district.code.upper()}-{year}-{serial.last:06d}"


def _lock_pending(profile: VolunteerProfile, by: User) -> VolunteerProfile:
    profile = (
        VolunteerProfile.objects.select_for_update().select_related("area", "district").get(pk=profile.pk)
    )
    _require_coordinator(user=by, area=profile.area)
    if profile.user_id == by.pk:
        raise PermissionDenied(_("You cannot decide your own registration."), code="self_approval")
    if profile.status != VolunteerProfile.Status.PENDING:
        raise PortalError(_("This registration has already been decided."), code="NOT_PENDING")
    return profile


@transaction.atomic
def volunteer_approve(*, profile: VolunteerProfile, by: User) -> VolunteerProfile:
    """The street coordinator of the volunteer's area (or the district) approves; the volunteer
    gets a number district-year-serial and the volunteer role. Codes: NOT_IN_YOUR_AREA,
    NOT_PENDING, self_approval."""
    profile = _lock_pending(profile, by)
    now = timezone.now()
    profile.status = VolunteerProfile.Status.APPROVED
    profile.number = _next_volunteer_number(district=profile.district, year=timezone.localdate().year)
    profile.decided_by, profile.decided_at, profile.decision_reason = by, now, ""
    profile.save(
        update_fields=["status", "number", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    if profile.user_id:
        services.role_assign(user=profile.user, role=Role.VOLUNTEER)
    services.audit_log(
        actor=by,
        action="volunteers.volunteer.approved",
        target=profile,
        area=profile.area,
        data={"number": profile.number},
    )
    return profile


@transaction.atomic
def volunteer_decline(*, profile: VolunteerProfile, by: User, reason: str) -> VolunteerProfile:
    """Declined with a reason the applicant sees. Codes: REASON_REQUIRED, NOT_IN_YOUR_AREA, NOT_PENDING."""
    reason = (reason or "").strip()
    if not reason:
        raise PortalError(_("Give a reason."), code="REASON_REQUIRED", field="reason")
    profile = _lock_pending(profile, by)
    profile.status = VolunteerProfile.Status.DECLINED
    profile.decided_by, profile.decided_at, profile.decision_reason = by, timezone.now(), reason[:255]
    profile.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    services.audit_log(
        actor=by,
        action="volunteers.volunteer.declined",
        target=profile,
        area=profile.area,
        data={"reason": reason},
    )
    return profile


# ------------------------------------------------------------------------------
# Teams
# ------------------------------------------------------------------------------
def _new_join_code() -> str:
    while True:
        code = human_code(6)
        if not Team.objects.filter(join_code=code).exists():
            return code


@transaction.atomic
def team_create(
    *,
    name: str,
    kind: str,
    area: Area,
    by: User | None,
    organisation: Organisation | None = None,
    leaders: Iterable[User] = (),
    description: str = "",
) -> Team:
    """A coordinator of the area founds a team (``by=None`` only for demo/commands).
    Codes: NOT_IN_YOUR_AREA, TEAM_NAME_TAKEN, ORGANISATION_REQUIRED."""
    if by is not None:
        _require_coordinator(user=by, area=area)
    if kind == Team.Kind.ORGANISATION and organisation is None:
        raise PortalError(
            _("A unit team needs its unit."), code="ORGANISATION_REQUIRED", field="organisation"
        )
    name = name.strip()
    if Team.objects.filter(area=area, name=name).exists():
        raise PortalError(
            _("A team with this name already exists here."), code="TEAM_NAME_TAKEN", field="name"
        )
    team = Team.objects.create(
        name=name,
        kind=kind,
        area=area,
        organisation=organisation,
        join_code=_new_join_code(),
        description=description,
    )
    for leader in leaders:
        _leader_add(team=team, user=leader, area=area)
    services.audit_log(actor=by, action="volunteers.team.created", target=team, area=area)
    return team


def _leader_add(*, team: Team, user: User, area: Area) -> None:
    team.leaders.add(user)
    if not user.has_role(Role.TEAM_LEADER) or user.area_id is None:
        services.role_assign(user=user, role=Role.TEAM_LEADER, area=user.area or area)


@transaction.atomic
def team_add_leader(*, team: Team, user: User, by: User) -> Team:
    """Coordinators of the team's area appoint leaders. Code: NOT_IN_YOUR_AREA."""
    _require_coordinator(user=by, area=team.area)
    _leader_add(team=team, user=user, area=team.area)
    services.audit_log(
        actor=by, action="volunteers.team.leader_added", target=team, area=team.area, data={"user": user.pk}
    )
    return team


def _membership_for(team: Team, profile: VolunteerProfile) -> TeamMembership | None:
    return TeamMembership.objects.select_for_update().filter(team=team, volunteer=profile).first()


@transaction.atomic
def team_join_by_code(*, user: User, code: str) -> TeamMembership:
    """An approved volunteer who has the team's code joins at once.
    Codes: NOT_A_VOLUNTEER, VOLUNTEER_NOT_APPROVED, TEAM_CODE_INVALID, ALREADY_MEMBER."""
    profile = _profile_of(user)
    team = Team.objects.filter(join_code=(code or "").strip().upper(), is_active=True).first()
    if team is None:
        raise PortalError(_("No team has this code."), code="TEAM_CODE_INVALID", field="code")
    membership = _membership_for(team, profile)
    if membership is not None and membership.status == TeamMembership.Status.ACTIVE:
        raise PortalError(_("You are already in this team."), code="ALREADY_MEMBER")
    membership = membership or TeamMembership(team=team, volunteer=profile)
    membership.status, membership.joined_at = TeamMembership.Status.ACTIVE, timezone.now()
    membership.save()
    services.audit_log(actor=user, action="volunteers.team.joined", target=membership, area=team.area)
    return membership


@transaction.atomic
def team_request_join(*, user: User, team: Team, message: str = "") -> TeamMembership:
    """Ask to join; a leader accepts. Codes: ALREADY_MEMBER, ALREADY_REQUESTED."""
    profile = _profile_of(user)
    membership = _membership_for(team, profile)
    if membership is not None and membership.status == TeamMembership.Status.ACTIVE:
        raise PortalError(_("You are already in this team."), code="ALREADY_MEMBER")
    if membership is not None and membership.status == TeamMembership.Status.REQUESTED:
        raise PortalError(_("Your request is waiting for the team leader."), code="ALREADY_REQUESTED")
    membership = membership or TeamMembership(team=team, volunteer=profile)
    membership.status, membership.message = TeamMembership.Status.REQUESTED, message[:255]
    membership.save()
    return membership


@transaction.atomic
def team_request_decide(*, membership: TeamMembership, by: User, accept: bool) -> TeamMembership:
    """A leader (or coordinator) accepts or declines a join request. Codes: NOT_TEAM_LEADER, NOT_PENDING."""
    membership = TeamMembership.objects.select_for_update().select_related("team__area").get(pk=membership.pk)
    _require_team_manager(user=by, team=membership.team)
    if membership.status != TeamMembership.Status.REQUESTED:
        raise PortalError(_("This request has already been decided."), code="NOT_PENDING")
    membership.status = TeamMembership.Status.ACTIVE if accept else TeamMembership.Status.DECLINED
    membership.joined_at = timezone.now() if accept else None
    membership.decided_by = by
    membership.save()
    services.audit_log(
        actor=by,
        action="volunteers.team.request_decided",
        target=membership,
        area=membership.team.area,
        data={"accepted": accept},
    )
    return membership


# ------------------------------------------------------------------------------
# Activities and sign-ups
# ------------------------------------------------------------------------------
@transaction.atomic
def activity_publish(
    *,
    team: Team,
    by: User | None,
    title: str,
    activity_type: str,
    channel: Channel,
    area: Area,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
    minimum_age: int = MINIMUM_AGE,
    is_risky: bool = False,
    location: str = "",
    description: str = "",
    insurance_policy_number: str = "",
    insurer: str = "",
    open_now: bool = True,
) -> Activity:
    """A leader of the team or a coordinator of its area publishes an activity. A risky one
    stays a draft until its accident insurance is recorded (then ``activity_open``).
    Codes: NOT_TEAM_LEADER, ACTIVITY_TIMES, CAPACITY_INVALID, ACTIVITY_TYPE_INVALID."""
    if by is not None:
        _require_team_manager(user=by, team=team)
    if ends_at <= starts_at:
        raise PortalError(_("The activity must end after it starts."), code="ACTIVITY_TIMES", field="ends_at")
    if capacity is None or capacity < 1:
        raise PortalError(
            _("Give the number of places (at least 1)."), code="CAPACITY_INVALID", field="capacity"
        )
    if activity_type not in ActivityType.values:
        raise PortalError(_("Choose an activity type."), code="ACTIVITY_TYPE_INVALID", field="activity_type")
    activity = Activity.objects.create(
        team=team,
        title=title.strip(),
        activity_type=activity_type,
        channel=channel,
        area=area,
        location=location,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        minimum_age=max(MINIMUM_AGE, minimum_age or MINIMUM_AGE),
        is_risky=is_risky,
        insurance_policy_number=insurance_policy_number.strip(),
        insurer=insurer.strip(),
        insurance_recorded_at=timezone.now() if insurance_policy_number.strip() else None,
        created_by=by,
    )
    services.audit_log(actor=by, action="volunteers.activity.published", target=activity, area=area)
    if open_now and (not is_risky or activity.insurance_policy_number):
        activity = _activity_set_open(activity)
    return activity


def _activity_set_open(activity: Activity) -> Activity:
    activity.status = Activity.Status.OPEN
    activity.save(update_fields=["status", "updated_at"])
    return activity


@transaction.atomic
def activity_record_insurance(*, activity: Activity, by: User, policy_number: str, insurer: str) -> Activity:
    """Record the accident-insurance policy of a (risky) activity. Codes: NOT_TEAM_LEADER, POLICY_REQUIRED."""
    _require_team_manager(user=by, team=activity.team)
    if not (policy_number or "").strip():
        raise PortalError(_("Enter the policy number."), code="POLICY_REQUIRED", field="policy_number")
    activity.insurance_policy_number, activity.insurer = policy_number.strip(), (insurer or "").strip()
    activity.insurance_recorded_at = timezone.now()
    activity.save(update_fields=["insurance_policy_number", "insurer", "insurance_recorded_at", "updated_at"])
    services.audit_log(
        actor=by,
        action="volunteers.activity.insured",
        target=activity,
        area=activity.area,
        data={"policy": activity.insurance_policy_number},
    )
    return activity


@transaction.atomic
def activity_open(*, activity: Activity, by: User) -> Activity:
    """Open sign-ups. A risky activity needs its insurance first (INSURANCE_REQUIRED)."""
    activity = Activity.objects.select_for_update().select_related("team__area").get(pk=activity.pk)
    _require_team_manager(user=by, team=activity.team)
    if activity.status == Activity.Status.CANCELLED:
        raise PortalError(_("This activity was cancelled."), code="ACTIVITY_CANCELLED")
    if activity.is_risky and not activity.insurance_policy_number:
        raise PortalError(
            _("This activity is risky: record its accident insurance before opening sign-ups."),
            code="INSURANCE_REQUIRED",
        )
    return _activity_set_open(activity)


@transaction.atomic
def activity_cancel(*, activity: Activity, by: User) -> Activity:
    activity = Activity.objects.select_for_update().select_related("team__area").get(pk=activity.pk)
    _require_team_manager(user=by, team=activity.team)
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    services.audit_log(actor=by, action="volunteers.activity.cancelled", target=activity, area=activity.area)
    return activity


@transaction.atomic
def signup_create(*, user: User, activity: Activity) -> SignUp:
    """An approved volunteer takes a place. The activity row is locked so two last-place
    sign-ups cannot both succeed. Codes: NOT_A_VOLUNTEER, VOLUNTEER_NOT_APPROVED,
    ACTIVITY_NOT_OPEN, ACTIVITY_STARTED, TOO_YOUNG, ACTIVITY_FULL, ALREADY_SIGNED_UP."""
    profile = _profile_of(user)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status != Activity.Status.OPEN:
        raise PortalError(_("This activity is not open for sign-ups."), code="ACTIVITY_NOT_OPEN")
    if timezone.now() >= activity.starts_at:
        raise PortalError(_("This activity has already started."), code="ACTIVITY_STARTED")
    birth = profile.person.birth_date
    if birth is not None:
        on = timezone.localtime(activity.starts_at).date()
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        if age < activity.minimum_age:
            raise PortalError(
                _("This activity is for volunteers aged %(age)s and over.") % {"age": activity.minimum_age},
                code="TOO_YOUNG",
            )
    signup = SignUp.objects.filter(activity=activity, volunteer=profile).first()
    if signup is not None and signup.status == SignUp.Status.SIGNED_UP:
        raise PortalError(_("You have already signed up."), code="ALREADY_SIGNED_UP")
    taken = SignUp.objects.filter(activity=activity, status=SignUp.Status.SIGNED_UP).count()
    if taken >= activity.capacity:
        raise PortalError(_("All places are taken."), code="ACTIVITY_FULL")
    signup = signup or SignUp(activity=activity, volunteer=profile)
    signup.status, signup.cancelled_at = SignUp.Status.SIGNED_UP, None
    signup.save()
    return signup


@transaction.atomic
def signup_cancel(*, user: User, activity: Activity) -> SignUp:
    """Give the place back before the activity starts. Codes: NOT_SIGNED_UP, ACTIVITY_STARTED."""
    profile = _profile_of(user, approved=False)
    signup = SignUp.objects.select_for_update().filter(activity=activity, volunteer=profile).first()
    if signup is None or signup.status != SignUp.Status.SIGNED_UP:
        raise PortalError(_("You are not signed up for this activity."), code="NOT_SIGNED_UP")
    if timezone.now() >= activity.starts_at:
        raise PortalError(_("This activity has already started."), code="ACTIVITY_STARTED")
    signup.status, signup.cancelled_at = SignUp.Status.CANCELLED, timezone.now()
    signup.save(update_fields=["status", "cancelled_at", "updated_at"])
    return signup


# ------------------------------------------------------------------------------
# Attendance: QR sign-in and sign-out
# ------------------------------------------------------------------------------
def volunteer_qr_code(*, profile: VolunteerProfile) -> str:
    """The volunteer's personal QR: a signed profile id, no personal data, no expiry."""
    return code_issue(purpose=VOLUNTEER_QR_PURPOSE, object_id=profile.pk)


def activity_qr_code(*, activity: Activity, ttl_seconds: int = 60) -> str:
    """The activity's rotating QR, valid ``ttl_seconds``: a photo passed around soon stops working."""
    return code_issue(purpose=ACTIVITY_QR_PURPOSE, object_id=activity.pk, ttl_seconds=ttl_seconds)


def _attendance_toggle(
    *, activity: Activity, profile: VolunteerProfile, method: str, by: User | None
) -> Attendance:
    now = timezone.now()
    if activity.status == Activity.Status.CANCELLED:
        raise PortalError(_("This activity was cancelled."), code="ACTIVITY_CANCELLED")
    if not SignUp.objects.filter(
        activity=activity, volunteer=profile, status=SignUp.Status.SIGNED_UP
    ).exists():
        raise PortalError(_("This volunteer has not signed up for this activity."), code="NOT_SIGNED_UP")
    attendance = Attendance.objects.select_for_update().filter(activity=activity, volunteer=profile).first()
    if attendance is None:
        if not (activity.starts_at - SIGN_IN_EARLY <= now <= activity.ends_at):
            raise PortalError(
                _("Sign-in is open from two hours before the start until the end."), code="ACTIVITY_NOT_NOW"
            )
        attendance = Attendance.objects.create(
            activity=activity, volunteer=profile, signed_in_at=now, sign_in_method=method, signed_in_by=by
        )
        services.audit_log(
            actor=by, action="volunteers.attendance.signed_in", target=attendance, area=activity.area
        )
        return attendance
    if attendance.signed_out_at is not None:
        raise PortalError(_("Already signed out."), code="ALREADY_SIGNED_OUT")
    attendance.signed_out_at, attendance.sign_out_method, attendance.signed_out_by = now, method, by
    attendance.save(update_fields=["signed_out_at", "sign_out_method", "signed_out_by", "updated_at"])
    _record_from_attendance(attendance=attendance, flagged=False)
    services.audit_log(
        actor=by, action="volunteers.attendance.signed_out", target=attendance, area=activity.area
    )
    return attendance


@transaction.atomic
def attendance_scan_volunteer(*, activity: Activity, by: User, code: str) -> Attendance:
    """The leader scans a volunteer's personal QR: signs in, or out when already in.
    Codes: CODE_INVALID, CODE_EXPIRED, NOT_TEAM_LEADER, NOT_SIGNED_UP, ACTIVITY_NOT_NOW,
    ALREADY_SIGNED_OUT."""
    verified = code_verify(purpose=VOLUNTEER_QR_PURPOSE, code=code)
    activity = Activity.objects.select_related("team__area", "area").get(pk=activity.pk)
    _require_team_manager(user=by, team=activity.team)
    profile = VolunteerProfile.objects.filter(pk=verified.object_id).first()
    if profile is None:
        raise PortalError(_("This code is not valid."), code="CODE_INVALID")
    if profile.user_id == by.pk:
        raise PermissionDenied(_("You cannot sign yourself in with your own scanner."), code="self_approval")
    return _attendance_toggle(activity=activity, profile=profile, method=Attendance.Method.LEADER_SCAN, by=by)


@transaction.atomic
def attendance_scan_activity(*, user: User, code: str) -> Attendance:
    """The volunteer scans the activity's rotating QR: signs in, or out when already in.
    Codes: CODE_INVALID, CODE_EXPIRED, NOT_A_VOLUNTEER, NOT_SIGNED_UP, ACTIVITY_NOT_NOW,
    ALREADY_SIGNED_OUT."""
    verified = code_verify(purpose=ACTIVITY_QR_PURPOSE, code=code)
    profile = _profile_of(user)
    activity = Activity.objects.select_related("team", "area").filter(pk=verified.object_id).first()
    if activity is None:
        raise PortalError(_("This code is not valid."), code="CODE_INVALID")
    return _attendance_toggle(activity=activity, profile=profile, method=Attendance.Method.SELF_SCAN, by=user)


def records_version_bump(*, volunteer_ids: Iterable[int]) -> None:
    """The volunteers' records changed: their cached "my hours" fragments are stale from now on
    (``VolunteerProfile.records_version`` is part of the key). Inside the caller's transaction,
    so a rolled-back change keeps the old version and a committed one is seen at once. A record
    saved or deleted one at a time bumps it by itself (``volunteers.receivers``); a queryset
    ``update()`` of records must call this."""
    ids = sorted(set(volunteer_ids))
    if ids:
        VolunteerProfile.objects.filter(pk__in=ids).update(records_version=F("records_version") + 1)


def _record_create(
    *,
    profile: VolunteerProfile,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    origin: str,
    title: str,
    area: Area,
    activity: Activity | None = None,
    attendance: Attendance | None = None,
    activity_type: str = ActivityType.PUBLICITY,
    channel_id: int | None = None,
    team_id: int | None = None,
    entered_by: User | None = None,
    note: str = "",
    flagged: bool = False,
    source: models.Model | None = None,
) -> ServiceRecord:
    if activity is not None:
        activity_type, channel_id, team_id = activity.activity_type, activity.channel_id, activity.team_id
    return ServiceRecord.objects.create(
        volunteer=profile,
        person_id=profile.person_id,
        volunteer_user_id=profile.user_id,
        activity=activity,
        attendance=attendance,
        team_id=team_id,
        area=area,
        activity_type=activity_type,
        channel_id=channel_id,
        title=title[:160],
        origin=origin,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None,
        started_at=started_at,
        ended_at=ended_at,
        hours=_hours_between(started_at, ended_at),
        note=note[:255],
        entered_by=entered_by,
        flagged_auto_closed=flagged,
    )


def _record_from_attendance(*, attendance: Attendance, flagged: bool) -> ServiceRecord:
    activity = attendance.activity
    start, end = _clip(activity=activity, start=attendance.signed_in_at, end=attendance.signed_out_at)
    return _record_create(
        profile=attendance.volunteer,
        started_at=start,
        ended_at=end,
        origin=ServiceRecord.Origin.ATTENDANCE,
        title=activity.title,
        area=activity.area,
        activity=activity,
        attendance=attendance,
        flagged=flagged,
    )


def attendance_close_stale(*, now: datetime.datetime | None = None) -> int:
    """Close sign-ins still open 24 hours later: signed out at the activity's end (or at the
    sign-in, if later), the pending record flagged for the leader to check. Idempotent."""
    now = now or timezone.now()
    closed = 0
    stale = Attendance.objects.filter(signed_out_at__isnull=True, signed_in_at__lte=now - AUTO_CLOSE_AFTER)
    for attendance_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            attendance = (
                Attendance.objects.select_for_update()
                .select_related("activity", "volunteer")
                .filter(pk=attendance_id, signed_out_at__isnull=True)
                .first()
            )
            if attendance is None:
                continue
            attendance.signed_out_at = max(attendance.signed_in_at, min(attendance.activity.ends_at, now))
            attendance.sign_out_method = Attendance.Method.AUTO_CLOSED
            attendance.auto_closed = True
            attendance.save(update_fields=["signed_out_at", "sign_out_method", "auto_closed", "updated_at"])
            _record_from_attendance(attendance=attendance, flagged=True)
            services.audit_log(
                actor=None,
                action="volunteers.attendance.auto_closed",
                target=attendance,
                area=attendance.activity.area,
            )
            closed += 1
    return closed


# ------------------------------------------------------------------------------
# Service records
# ------------------------------------------------------------------------------
@transaction.atomic
def service_record_declare(
    *,
    user: User,
    activity: Activity,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    note: str = "",
) -> ServiceRecord:
    """A volunteer declares hours for an activity they signed up for and that has started; the
    time is clipped to the activity. Codes: NOT_ATTENDED, ALREADY_RECORDED, RECORD_TIMES."""
    profile = _profile_of(user)
    if ended_at <= started_at:
        raise PortalError(_("The end must be after the start."), code="RECORD_TIMES", field="ended_at")
    attended = SignUp.objects.filter(
        activity=activity, volunteer=profile, status=SignUp.Status.SIGNED_UP
    ).exists()
    if not attended or timezone.now() < activity.starts_at:
        raise PortalError(_("You can declare hours only for an activity you attended."), code="NOT_ATTENDED")
    if ServiceRecord.objects.filter(activity=activity, volunteer=profile).exists():
        raise PortalError(_("Hours for this activity are already recorded."), code="ALREADY_RECORDED")
    start, end = _clip(activity=activity, start=started_at, end=ended_at)
    record = _record_create(
        profile=profile,
        started_at=start,
        ended_at=end,
        origin=ServiceRecord.Origin.DECLARED,
        title=activity.title,
        area=activity.area,
        activity=activity,
        note=note,
        entered_by=user,
    )
    services.audit_log(actor=user, action="volunteers.record.declared", target=record, area=record.area)
    return record


@transaction.atomic
def service_record_enter_group(
    *,
    by: User,
    activity: Activity,
    volunteers: Iterable[VolunteerProfile],
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    note: str = "",
) -> list[ServiceRecord]:
    """A leader enters the same hours for several volunteers at once (all or nothing), pending
    like any other record. Codes: NOT_TEAM_LEADER, RECORD_TIMES, NOT_SIGNED_UP, ALREADY_RECORDED."""
    _require_team_manager(user=by, team=activity.team)
    if ended_at <= started_at:
        raise PortalError(_("The end must be after the start."), code="RECORD_TIMES", field="ended_at")
    profiles = list(volunteers)
    ids = [p.pk for p in profiles]
    signed = set(
        SignUp.objects.filter(
            activity=activity, volunteer_id__in=ids, status=SignUp.Status.SIGNED_UP
        ).values_list("volunteer_id", flat=True)
    )
    members = set(
        TeamMembership.objects.filter(
            team=activity.team, volunteer_id__in=ids, status=TeamMembership.Status.ACTIVE
        ).values_list("volunteer_id", flat=True)
    )
    missing = [p for p in profiles if p.pk not in signed | members]
    if missing:
        raise PortalError(
            _("Not signed up and not in the team: %(names)s")
            % {"names": "、".join(p.person.name for p in missing)},
            code="NOT_SIGNED_UP",
        )
    recorded = set(
        ServiceRecord.objects.filter(activity=activity, volunteer_id__in=ids).values_list(
            "volunteer_id", flat=True
        )
    )
    if recorded:
        raise PortalError(
            _("Some of these volunteers already have hours for this activity."), code="ALREADY_RECORDED"
        )
    start, end = _clip(activity=activity, start=started_at, end=ended_at)
    records = [
        _record_create(
            profile=p,
            started_at=start,
            ended_at=end,
            origin=ServiceRecord.Origin.GROUP,
            title=activity.title,
            area=activity.area,
            activity=activity,
            note=note,
            entered_by=by,
        )
        for p in profiles
    ]
    services.audit_log(
        actor=by,
        action="volunteers.record.group_entered",
        target=activity,
        area=activity.area,
        data={"records": [r.pk for r in records]},
    )
    return records


# ------------------------------------------------------------------------------
# Kept aggregates of approved hours (the district dashboard reads these, not the records)
# ------------------------------------------------------------------------------
def _record_month(record: ServiceRecord) -> datetime.date:
    return timezone.localtime(record.started_at).date().replace(day=1)


def _bump(model, key: dict, hours: Decimal, records: int) -> None:
    changed = {"hours": F("hours") + hours, "records": F("records") + records}
    if model.objects.filter(**key).update(**changed):
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, hours=hours, records=records)
    except IntegrityError:  # created concurrently since: add to that row
        model.objects.filter(**key).update(**changed)


def _tally(records: Iterable[ServiceRecord], *, sign: int) -> None:
    """Add (sign=1, just approved) or take away (sign=-1, an approved record reopened) the
    records' hours to the kept aggregates, inside the caller's transaction. Keys are visited in
    a fixed order, so two concurrent decisions lock the rows in the same order."""
    by_kind: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    by_month: dict[tuple, list] = defaultdict(lambda: [Decimal(0), 0])
    for record in records:
        for bucket in (
            by_kind[(record.area_id, record.activity_type, record.channel_id or 0)],
            by_month[(record.area_id, _record_month(record))],
        ):
            bucket[0] += record.hours
            bucket[1] += 1
    for (area_id, activity_type, channel_key), (hours, count) in sorted(by_kind.items()):
        key = {"area_id": area_id, "activity_type": activity_type, "channel_key": channel_key}
        _bump(HoursTally, key, sign * hours, sign * count)
    for (area_id, month), (hours, count) in sorted(by_month.items()):
        _bump(MonthlyHoursTally, {"area_id": area_id, "month": month}, sign * hours, sign * count)


@transaction.atomic
def hours_tally_rebuild() -> tuple[int, int]:
    """Recount the kept aggregates from the approved records (after a bulk load, or to check
    them); returns the number of rows written to each. Months are counted in local time."""
    kinds, months = hours_tally_recount()
    HoursTally.objects.all().delete()
    MonthlyHoursTally.objects.all().delete()
    HoursTally.objects.bulk_create(
        [
            HoursTally(area_id=area, activity_type=kind, channel_key=channel, hours=hours, records=records)
            for (area, kind, channel), (hours, records) in kinds.items()
        ],
        batch_size=2000,
    )
    MonthlyHoursTally.objects.bulk_create(
        [
            MonthlyHoursTally(area_id=area, month=month, hours=hours, records=records)
            for (area, month), (hours, records) in months.items()
        ],
        batch_size=2000,
    )
    return len(kinds), len(months)


def hours_tally_recount() -> tuple[dict, dict]:
    """The kept aggregates recounted from the approved records, without writing:
    ``{(area, activity type, channel key): (hours, records)}`` and ``{(area, month): (hours, records)}``
    (months in local time). ``hours_tally_rebuild`` writes them; ``manage.py reconcile`` compares."""
    approved = ServiceRecord.objects.filter(state=ServiceRecord.State.APPROVED).order_by()
    kinds: dict = {}
    by_kind = approved.values("area_id", "activity_type", "channel_id")
    for row in by_kind.annotate(h=Sum("hours"), n=Count("pk")):
        key = (row["area_id"], row["activity_type"], row["channel_id"] or 0)
        hours, records = kinds.get(key, (Decimal("0"), 0))
        kinds[key] = (hours + row["h"], records + row["n"])
    months: dict = {}
    for row in (
        approved.annotate(m=TruncMonth("started_at"))
        .values("area_id", "m")
        .annotate(h=Sum("hours"), n=Count("pk"))
    ):
        month = timezone.localtime(row["m"]).date() if isinstance(row["m"], datetime.datetime) else row["m"]
        hours, records = months.get((row["area_id"], month), (Decimal("0"), 0))
        months[(row["area_id"], month)] = (hours + row["h"], records + row["n"])
    return kinds, months


def hours_tally_differences() -> list[str]:
    """Where the kept aggregates differ from a recount (``manage.py reconcile``); empty when equal.
    Rows kept at zero hours and records equal a missing row."""
    kinds, months = hours_tally_recount()
    kept_kinds = {
        (area, kind, channel): (hours, records)
        for area, kind, channel, hours, records in HoursTally.objects.values_list(
            "area_id", "activity_type", "channel_key", "hours", "records"
        )
    }
    kept_months = {
        (area, month): (hours, records)
        for area, month, hours, records in MonthlyHoursTally.objects.values_list(
            "area_id", "month", "hours", "records"
        )
    }
    problems = []
    zero = (Decimal("0"), 0)
    for label, expected, kept in (("hours", kinds, kept_kinds), ("monthly hours", months, kept_months)):
        for key in sorted(set(expected) | set(kept), key=str):
            want, have = expected.get(key, zero), kept.get(key, zero)
            if (Decimal(want[0]), want[1]) != (Decimal(have[0]), have[1]):
                problems.append(
                    f"{label} tally {key}: kept {have[0]} h in {have[1]} records, "
                    f"recount {want[0]} h in {want[1]} records"
                )
    return problems


def _check_can_decide(*, record: ServiceRecord, by: User, led_team_ids: set[int]) -> None:
    if not by.is_authenticated:
        raise PermissionDenied(_("Please log in first."), code="LOGIN_REQUIRED")
    if record.volunteer_user_id == by.pk or record.volunteer.user_id == by.pk:
        raise PermissionDenied(
            _("You cannot approve or decline your own service hours."), code="self_approval"
        )
    if record.team_id in led_team_ids:
        return
    if not user_coordinates(user=by, area=record.area):
        raise PermissionDenied(
            _("This is outside the area you are responsible for."), code="NOT_IN_YOUR_AREA"
        )


def _decide(*, records: Iterable[ServiceRecord], by: User, state: str, reason: str) -> int:
    ids = [r.pk if isinstance(r, ServiceRecord) else int(r) for r in records]
    locked = list(
        ServiceRecord.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("volunteer", "area")
        .order_by("pk")
    )
    if len(locked) != len(set(ids)):
        raise NotFound(_("Some of these records do not exist."), code="RECORD_NOT_FOUND")
    led = set(Team.leaders.through.objects.filter(user_id=by.pk).values_list("team_id", flat=True))
    for record in locked:
        _check_can_decide(record=record, by=by, led_team_ids=led)
    for record in locked:
        if record.state != ServiceRecord.State.PENDING:
            raise PortalError(_("This record has already been decided."), code="NOT_PENDING")
    now = timezone.now()
    ServiceRecord.objects.filter(pk__in=ids).update(
        state=state, decided_by=by, decided_at=now, decision_reason=reason, updated_at=now
    )
    records_version_bump(volunteer_ids=[r.volunteer_id for r in locked])
    for record in locked:
        services.audit_log(
            actor=by,
            action=f"volunteers.record.{state}",
            target=record,
            area=record.area,
            data={"hours": str(record.hours), "reason": reason},
        )
    if state == ServiceRecord.State.APPROVED:
        _tally(locked, sign=1)
        for profile in {r.volunteer_id: r.volunteer for r in locked}.values():
            volunteer_recompute_hours(profile=profile)
    return len(locked)


@transaction.atomic
def service_record_approve(*, records: Iterable[ServiceRecord], by: User) -> int:
    """Approve pending records in bulk (all or nothing). Never one's own (403 ``self_approval``);
    only a leader of the record's team or a coordinator of its area (403 NOT_IN_YOUR_AREA);
    only pending ones (NOT_PENDING). Approved hours and star levels are recomputed."""
    return _decide(records=records, by=by, state=ServiceRecord.State.APPROVED, reason="")


@transaction.atomic
def service_record_decline(*, records: Iterable[ServiceRecord], by: User, reason: str) -> int:
    """Decline pending records in bulk with a reason; same rules as approving. REASON_REQUIRED."""
    reason = (reason or "").strip()
    if not reason:
        raise PortalError(_("Give a reason."), code="REASON_REQUIRED", field="reason")
    return _decide(records=records, by=by, state=ServiceRecord.State.DECLINED, reason=reason[:255])


@transaction.atomic
def correction_request(
    *,
    record: ServiceRecord,
    user: User,
    reason: str,
    proposed_started_at: datetime.datetime | None = None,
    proposed_ended_at: datetime.datetime | None = None,
) -> CorrectionRequest:
    """The volunteer asks for one of their records to be corrected. Codes: NOT_YOUR_RECORD,
    REASON_REQUIRED, CORRECTION_OPEN."""
    if record.volunteer.user_id != user.pk:
        raise NotFound(_("Record not found."), code="NOT_YOUR_RECORD")
    reason = (reason or "").strip()
    if not reason:
        raise PortalError(_("Say what is wrong."), code="REASON_REQUIRED", field="reason")
    if record.corrections.filter(status=CorrectionRequest.Status.OPEN).exists():
        raise PortalError(_("A correction of this record is already waiting."), code="CORRECTION_OPEN")
    correction = CorrectionRequest.objects.create(
        record=record,
        requested_by=user,
        reason=reason[:255],
        proposed_started_at=proposed_started_at,
        proposed_ended_at=proposed_ended_at,
    )
    services.audit_log(
        actor=user, action="volunteers.record.correction_requested", target=record, area=record.area
    )
    return correction


@transaction.atomic
def correction_decide(
    *, correction: CorrectionRequest, by: User, accept: bool, response: str = ""
) -> CorrectionRequest:
    """A leader/coordinator (never the volunteer) accepts, which applies the proposed times and
    puts the record back to pending for a fresh decision, or rejects. Codes: self_approval,
    NOT_IN_YOUR_AREA, NOT_PENDING."""
    correction = (
        CorrectionRequest.objects.select_for_update()
        .select_related("record__volunteer", "record__area")
        .get(pk=correction.pk)
    )
    record = correction.record
    led = set(Team.leaders.through.objects.filter(user_id=by.pk).values_list("team_id", flat=True))
    _check_can_decide(record=record, by=by, led_team_ids=led)
    if correction.status != CorrectionRequest.Status.OPEN:
        raise PortalError(_("This request has already been decided."), code="NOT_PENDING")
    correction.status = CorrectionRequest.Status.ACCEPTED if accept else CorrectionRequest.Status.REJECTED
    correction.decided_by, correction.decided_at, correction.response = by, timezone.now(), response[:255]
    correction.save()
    if accept:
        start = correction.proposed_started_at or record.started_at
        end = correction.proposed_ended_at or record.ended_at
        if record.activity_id:
            start, end = _clip(activity=record.activity, start=start, end=end)
        if record.state == ServiceRecord.State.APPROVED:
            _tally([record], sign=-1)  # reopened: its hours leave the approved totals
        before = {
            "started_at": record.started_at.isoformat(),
            "ended_at": record.ended_at.isoformat(),
            "hours": str(record.hours),
        }
        record.started_at, record.ended_at = start, max(start, end)
        record.hours = _hours_between(record.started_at, record.ended_at)
        record.state, record.decided_by, record.decided_at = ServiceRecord.State.PENDING, None, None
        record.save()
        volunteer_recompute_hours(profile=record.volunteer)
        services.audit_log(
            actor=by,
            action="volunteers.record.corrected",
            target=record,
            area=record.area,
            data={"before": before},
        )
    return correction


# ------------------------------------------------------------------------------
# Records from other modules (portal.signals.volunteer_service_performed)
# ------------------------------------------------------------------------------
def service_record_from_signal(
    *,
    person: Person,
    area: Area,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    title: str,
    source: models.Model,
    activity_type: str = ActivityType.PUBLICITY,
) -> ServiceRecord | None:
    """A pending record for an approved volunteer; nothing for anyone else. One record per
    (source, person): a repeated signal returns the first record and changes nothing."""
    profile = VolunteerProfile.objects.filter(person=person, status=VolunteerProfile.Status.APPROVED).first()
    if profile is None:
        return None
    source_type = ContentType.objects.get_for_model(source)
    existing = ServiceRecord.objects.filter(
        source_type=source_type, source_id=source.pk, person=person
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            record = _record_create(
                profile=profile,
                started_at=started_at,
                ended_at=max(started_at, ended_at),
                origin=ServiceRecord.Origin.SIGNAL,
                title=title,
                area=area,
                activity_type=activity_type,
                source=source,
            )
    except IntegrityError:
        return ServiceRecord.objects.get(source_type=source_type, source_id=source.pk, person=person)
    services.audit_log(actor=None, action="volunteers.record.from_signal", target=record, area=area)
    return record


# ------------------------------------------------------------------------------
# Stars and role models
# ------------------------------------------------------------------------------
def star_thresholds(*, district: Area) -> tuple[Decimal, ...]:
    setting = StarLevelSetting.objects.filter(district=district).first()
    return setting.thresholds if setting else tuple(Decimal(t) for t in DEFAULT_STAR_THRESHOLDS)


def star_level_for(*, hours: Decimal, thresholds: Iterable[Decimal]) -> int:
    """1 star from the first threshold on (inclusive): 99.9 h → 0, 100 h → 1 with the defaults."""
    return sum(1 for threshold in thresholds if hours >= threshold)


def volunteer_recompute_hours(*, profile: VolunteerProfile) -> VolunteerProfile:
    """Keep approved hours, last service and star level in step with the approved records; a newly
    reached level goes on the district's notice list for the configured number of days."""
    totals = ServiceRecord.objects.filter(volunteer=profile, state=ServiceRecord.State.APPROVED).aggregate(
        hours=Sum("hours"), last=Max("ended_at")
    )
    hours = totals["hours"] or Decimal(0)
    level = star_level_for(hours=hours, thresholds=star_thresholds(district=profile.district))
    if level > profile.star_level:
        setting = StarLevelSetting.objects.filter(district_id=profile.district_id).first()
        days = setting.notice_days if setting else 7
        today = timezone.localdate()
        StarNotice.objects.get_or_create(
            volunteer=profile,
            level=level,
            defaults={
                "district_id": profile.district_id,
                "hours": hours,
                "published_on": today,
                "publish_until": today + datetime.timedelta(days=days),
            },
        )
    VolunteerProfile.objects.filter(pk=profile.pk).update(
        approved_hours=hours, star_level=level, last_served_at=totals["last"], updated_at=timezone.now()
    )
    profile.approved_hours, profile.star_level, profile.last_served_at = hours, level, totals["last"]
    return profile


@transaction.atomic
def star_setting_save(
    *, district: Area, by: User, thresholds: Iterable[Decimal], notice_days: int
) -> StarLevelSetting:
    """District admins set the thresholds (strictly ascending, positive) and notice days."""
    if not selectors.user_can_act_in(user=by, area=district, roles={Role.DISTRICT_ADMIN}):
        raise PermissionDenied(_("Only the district administrator may change this."), code="NOT_IN_YOUR_AREA")
    values = [Decimal(t) for t in thresholds]
    if len(values) != 5 or values[0] <= 0 or any(b <= a for a, b in itertools.pairwise(values)):
        raise PortalError(
            _("Give five thresholds, each higher than the one before."), code="THRESHOLDS_INVALID"
        )
    setting, _created = StarLevelSetting.objects.update_or_create(
        district=district,
        defaults=dict(
            zip(["star1", "star2", "star3", "star4", "star5"], values, strict=True), notice_days=notice_days
        ),
    )
    services.audit_log(
        actor=by,
        action="volunteers.stars.configured",
        target=setting,
        area=district,
        data={"thresholds": [str(v) for v in values]},
    )
    return setting


@transaction.atomic
def role_model_nominate(
    *, volunteer: VolunteerProfile, by: User, citation: str, year: int | None = None
) -> RoleModel:
    """A coordinator of the volunteer's area nominates an approved volunteer as 典型, once a year.
    Codes: NOT_IN_YOUR_AREA, VOLUNTEER_NOT_APPROVED, CITATION_REQUIRED, ALREADY_NOMINATED."""
    _require_coordinator(user=by, area=volunteer.area)
    if volunteer.status != VolunteerProfile.Status.APPROVED:
        raise PortalError(_("Only approved volunteers can be nominated."), code="VOLUNTEER_NOT_APPROVED")
    if not (citation or "").strip():
        raise PortalError(_("Describe what the volunteer did."), code="CITATION_REQUIRED", field="citation")
    year = year or timezone.localdate().year
    if RoleModel.objects.filter(volunteer=volunteer, year=year).exists():
        raise PortalError(_("Already nominated this year."), code="ALREADY_NOMINATED")
    nomination = RoleModel.objects.create(
        volunteer=volunteer,
        district_id=volunteer.district_id,
        year=year,
        citation=citation.strip(),
        nominated_by=by,
    )
    services.audit_log(
        actor=by, action="volunteers.role_model.nominated", target=nomination, area=volunteer.area
    )
    return nomination


@transaction.atomic
def role_model_select(*, nomination: RoleModel, by: User, selected: bool) -> RoleModel:
    """The district (administrator) selects or passes over a nomination.
    Codes: NOT_IN_YOUR_AREA, NOT_PENDING."""
    nomination = RoleModel.objects.select_for_update().select_related("district").get(pk=nomination.pk)
    if not selectors.user_can_act_in(user=by, area=nomination.district, roles={Role.DISTRICT_ADMIN}):
        raise PermissionDenied(
            _("Only the district administrator may select role models."), code="NOT_IN_YOUR_AREA"
        )
    if nomination.status != RoleModel.Status.NOMINATED:
        raise PortalError(_("This nomination has already been decided."), code="NOT_PENDING")
    nomination.status = RoleModel.Status.SELECTED if selected else RoleModel.Status.NOT_SELECTED
    nomination.decided_by, nomination.decided_at = by, timezone.now()
    nomination.save()
    services.audit_log(
        actor=by,
        action="volunteers.role_model.decided",
        target=nomination,
        area=nomination.district,
        data={"selected": selected},
    )
    return nomination


# ------------------------------------------------------------------------------
# Service-hours certificate (志愿服务记录证明)
# ------------------------------------------------------------------------------
@transaction.atomic
def certificate_setting_save(
    *,
    district: Area,
    by: User | None,
    issuer_name: str,
    person_in_charge: str,
    handler: str,
    contact: str,
    seal_image=None,
) -> CertificateSetting:
    if by is not None and not selectors.user_can_act_in(user=by, area=district, roles={Role.DISTRICT_ADMIN}):
        raise PermissionDenied(_("Only the district administrator may change this."), code="NOT_IN_YOUR_AREA")
    setting, _created = CertificateSetting.objects.update_or_create(
        district=district,
        defaults={
            "issuer_name": issuer_name,
            "person_in_charge": person_in_charge,
            "handler": handler,
            "contact": contact,
            "seal_image": seal_image,
        },
    )
    return setting


def _format_hours(hours: Decimal) -> str:
    return _("%(hours)s hours") % {"hours": f"{hours.normalize():f}"}


@transaction.atomic
def volunteer_certificate_issue(*, user: User) -> Certificate:
    """The volunteer's 志愿服务记录证明 of all approved hours, in the four-block format: identity
    (name, ID type, masked ID number, volunteer number), service (hours, content, period), issuer
    (organisation, person in charge, handler, contact), number and date. Issued through the
    kernel registry (numbered, QR to the public verification page). Asking again with unchanged
    hours returns the same certificate. Codes: NOT_A_VOLUNTEER, VOLUNTEER_NOT_APPROVED,
    NO_APPROVED_HOURS, CERTIFICATE_SETTINGS_MISSING."""
    profile = _profile_of(user)
    profile = (
        VolunteerProfile.objects.select_for_update().select_related("person", "district").get(pk=profile.pk)
    )
    if profile.approved_hours <= 0:
        raise PortalError(_("You have no approved service hours yet."), code="NO_APPROVED_HOURS")
    setting = (
        CertificateSetting.objects.filter(district=profile.district).select_related("seal_image").first()
    )
    if setting is None:
        raise PortalError(
            _("The district has not set up its certificate issuer yet."), code="CERTIFICATE_SETTINGS_MISSING"
        )
    latest = (
        profile.service_certificates.filter(
            hours=profile.approved_hours, certificate__status=Certificate.Status.VALID
        )
        .select_related("certificate")
        .first()
    )
    if latest is not None:
        return latest.certificate
    approved = ServiceRecord.objects.filter(volunteer=profile, state=ServiceRecord.State.APPROVED)
    span = approved.aggregate(first=models.Min("started_at"), last=Max("ended_at"), n=models.Count("pk"))
    kinds = approved.values_list("activity_type", flat=True).distinct()
    content = "、".join(str(ActivityType(k).label) for k in sorted(set(kinds)))
    first = timezone.localtime(span["first"]).date() if span["first"] else None
    last = timezone.localtime(span["last"]).date() if span["last"] else None
    snapshot = ServiceCertificate.objects.create(
        volunteer=profile,
        hours=profile.approved_hours,
        records=span["n"],
        first_service_on=first,
        last_service_on=last,
    )
    details = [
        {"heading": _("Volunteer"), "lines": [[_("Volunteer number"), profile.number or ""]]},
        {
            "heading": _("Service"),
            "lines": [
                [_("Approved service hours"), _format_hours(profile.approved_hours)],
                [_("Service records"), str(span["n"])],
                [_("Period"), f"{first} — {last}"],
                [_("Service content"), content],
            ],
        },
        {
            "heading": _("Issuing organisation"),
            "lines": [
                [_("Person in charge"), setting.person_in_charge],
                [_("Handler"), setting.handler],
                [_("Contact"), setting.contact],
            ],
        },
    ]
    certificate = services.certificate_issue(
        kind=CertificateKind.VOLUNTEER_SERVICE,
        district=profile.district,
        holder=profile.person,
        title=_("Volunteer service record certificate"),
        issuer_name=setting.issuer_name,
        details=details,
        source=snapshot,
        seal=setting.seal_image.file.name if setting.seal_image else "",
    )
    snapshot.certificate = certificate
    snapshot.save(update_fields=["certificate", "updated_at"])
    services.audit_log(
        actor=user,
        action="volunteers.certificate.issued",
        target=snapshot,
        area=profile.area,
        data={"number": certificate.number, "hours": str(profile.approved_hours)},
    )
    return certificate

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal import signals
from portal.errors import PortalError
from portal.models import AuditEntry, Role
from portal.tests.factories import PersonFactory
from volunteers import services
from volunteers.models import (
    Activity,
    Attendance,
    ServiceRecord,
    SignUp,
    StarLevelSetting,
    StarNotice,
    TeamMembership,
    VolunteerProfile,
)
from volunteers.tests import factories

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------
# Registration: SMS-verified phone, consents, age and guardian
# ------------------------------------------------------------------------------
def test_register_creates_a_pending_profile_with_masked_contacts(street, community):
    profile = factories.register(street=street, community=community)

    assert profile.status == VolunteerProfile.Status.PENDING
    assert profile.area == community and profile.district.code == "xc"
    assert profile.person.user == profile.user
    assert profile.emergency_contact_phone_masked == "139****1111"
    assert profile.notice_consented_at and profile.id_consented_at
    assert profile.number is None
    assert AuditEntry.objects.filter(action="volunteers.volunteer.registered").count() == 1


def test_register_needs_a_verified_phone(street, make_user):
    user = make_user()
    with pytest.raises(PortalError) as error:
        factories.register(street=street, user=user)
    assert error.value.code == "PHONE_NOT_VERIFIED"
    assert not VolunteerProfile.objects.exists()


@pytest.mark.parametrize(
    ("field", "code"), [("notice_consent", "NOTICE_CONSENT_REQUIRED"), ("id_consent", "ID_CONSENT_REQUIRED")]
)
def test_register_needs_both_separate_consents(street, field, code):
    with pytest.raises(PortalError) as error:
        factories.register(street=street, **{field: False})
    assert error.value.code == code


def test_age_13_is_refused(street):
    with pytest.raises(PortalError) as error:
        factories.register(
            street=street,
            age=13,
            guardian={"name": "a", "phone": "13900002222", "relation": "母亲", "consent": True},
        )
    assert error.value.code == "UNDER_14"
    assert not VolunteerProfile.objects.exists()


def test_age_14_without_guardian_is_refused(street):
    with pytest.raises(PortalError) as error:
        factories.register(street=street, age=14, guardian=None)
    assert error.value.code == "GUARDIAN_CONSENT_REQUIRED"


def test_age_14_guardian_must_consent(street):
    guardian = {"name": "王监护", "phone": "13900002222", "relation": "父亲", "consent": False}
    with pytest.raises(PortalError) as error:
        factories.register(street=street, age=14, guardian=guardian)
    assert error.value.code == "GUARDIAN_CONSENT_REQUIRED"


def test_age_14_with_guardian_is_recorded(street):
    profile = factories.register(street=street, age=14)

    assert profile.guardian_name == "王监护"
    assert profile.guardian_phone_masked == "139****2222"
    assert profile.guardian_consented_at is not None


def test_age_18_needs_no_guardian(street):
    profile = factories.register(street=street, age=18, guardian=None)
    assert profile.guardian_consented_at is None


def test_birthday_tomorrow_is_still_13(street):
    today = timezone.localdate()
    birth = today.replace(year=today.year - 14) + datetime.timedelta(days=1)
    from portal.tests.factories import resident_id_number

    with pytest.raises(PortalError) as error:
        factories.register(street=street, id_number=resident_id_number(birth=birth, sequence=5))
    assert error.value.code == "UNDER_14"


def test_bad_id_number_is_a_field_error(street):
    with pytest.raises(ValidationError) as error:
        factories.register(street=street, id_number="110102199001011230")
    assert "id_number" in error.value.message_dict


def test_register_reuses_the_person_known_by_id_number(street):
    known = PersonFactory(name="李已知", id_number=factories.id_number_for_age(40, n=7))
    profile = factories.register(street=street, id_number=known.id_number)

    assert profile.person == known
    known.refresh_from_db()
    assert known.user == profile.user


def test_register_tells_modules_the_account_got_its_real_name(street):
    """Linking an existing person goes through the kernel, so e.g. course certificates waiting
    for this real name are issued (``portal.signals.person_identified``)."""
    from portal.signals import person_identified

    heard = []

    def receiver(sender, person, user, **kwargs):
        heard.append((person.pk, user.pk))

    person_identified.connect(receiver)
    try:
        known = PersonFactory(name="李已知", id_number=factories.id_number_for_age(40, n=9))
        profile = factories.register(street=street, id_number=known.id_number)
    finally:
        person_identified.disconnect(receiver)
    assert heard == [(known.pk, profile.user.pk)]


def test_person_of_another_account_is_refused(street, make_user):
    other = make_user()
    known = PersonFactory(name="李已知", id_number=factories.id_number_for_age(40, n=8), user=other)
    with pytest.raises(PortalError) as error:
        factories.register(street=street, id_number=known.id_number)
    assert error.value.code == "PERSON_TAKEN"


def test_register_twice_is_refused(street):
    profile = factories.register(street=street)
    with pytest.raises(PortalError) as error:
        factories.register(street=street, user=profile.user, id_number=factories.id_number_for_age(30))
    assert error.value.code == "ALREADY_REGISTERED"


# ------------------------------------------------------------------------------
# Approval by the street coordinator
# ------------------------------------------------------------------------------
def test_coordinator_approves_and_numbers_district_year_serial(street, street_coordinator):
    first = services.volunteer_approve(profile=factories.register(street=street), by=street_coordinator)
    second = services.volunteer_approve(profile=factories.register(street=street), by=street_coordinator)
    year = timezone.localdate().year

    assert first.number == f"XC-{year}-000001"
    assert second.number == f"XC-{year}-000002"
    assert first.user.has_role(Role.VOLUNTEER)


def test_coordinator_of_another_street_cannot_approve(street, other_street_coordinator):
    profile = factories.register(street=street)
    with pytest.raises(PortalError) as error:
        services.volunteer_approve(profile=profile, by=other_street_coordinator)
    assert error.value.code == "NOT_IN_YOUR_AREA"
    profile.refresh_from_db()
    assert profile.status == VolunteerProfile.Status.PENDING


def test_decline_needs_a_reason_and_keeps_it(street, street_coordinator):
    profile = factories.register(street=street)
    with pytest.raises(PortalError) as error:
        services.volunteer_decline(profile=profile, by=street_coordinator, reason=" ")
    assert error.value.code == "REASON_REQUIRED"
    services.volunteer_decline(profile=profile, by=street_coordinator, reason="不在本街道居住")
    profile.refresh_from_db()
    assert (profile.status, profile.decision_reason) == ("declined", "不在本街道居住")
    with pytest.raises(PortalError) as error:
        services.volunteer_approve(profile=profile, by=street_coordinator)
    assert error.value.code == "NOT_PENDING"


# ------------------------------------------------------------------------------
# Teams
# ------------------------------------------------------------------------------
def test_join_by_code_and_by_request(street, street_coordinator, team, leader):
    a = factories.approved_volunteer(street=street, approver=street_coordinator)
    b = factories.approved_volunteer(street=street, approver=street_coordinator)

    assert services.team_join_by_code(user=a.user, code=team.join_code.lower()).status == "active"
    request = services.team_request_join(user=b.user, team=team, message="想加入")
    assert request.status == TeamMembership.Status.REQUESTED
    with pytest.raises(PortalError) as error:
        services.team_request_decide(membership=request, by=a.user, accept=True)
    assert error.value.code == "NOT_TEAM_LEADER"
    assert services.team_request_decide(membership=request, by=leader, accept=True).status == "active"


def test_pending_volunteer_cannot_join(street, team):
    profile = factories.register(street=street)
    with pytest.raises(PortalError) as error:
        services.team_join_by_code(user=profile.user, code=team.join_code)
    assert error.value.code == "VOLUNTEER_NOT_APPROVED"


# ------------------------------------------------------------------------------
# Activities and sign-ups
# ------------------------------------------------------------------------------
def test_risky_activity_opens_only_with_insurance(team, leader, vuser):
    activity = factories.activity(team=team, is_risky=True, activity_type="drill")
    assert activity.status == Activity.Status.DRAFT
    with pytest.raises(PortalError) as error:
        services.activity_open(activity=activity, by=leader)
    assert error.value.code == "INSURANCE_REQUIRED"
    with pytest.raises(PortalError) as error:
        services.signup_create(user=vuser, activity=activity)
    assert error.value.code == "ACTIVITY_NOT_OPEN"

    services.activity_record_insurance(
        activity=activity, by=leader, policy_number="PICC-2026-0001", insurer="人保"
    )
    assert services.activity_open(activity=activity, by=leader).status == Activity.Status.OPEN
    assert services.signup_create(user=vuser, activity=activity).status == SignUp.Status.SIGNED_UP


def test_database_refuses_an_open_risky_activity_without_policy(team):
    activity = factories.activity(team=team, is_risky=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(status=Activity.Status.OPEN)


def test_capacity_and_duplicate_sign_up(team, street, street_coordinator, vuser):
    activity = factories.activity(team=team, capacity=1)
    other = factories.approved_volunteer(street=street, approver=street_coordinator)
    services.signup_create(user=vuser, activity=activity)
    with pytest.raises(PortalError) as error:
        services.signup_create(user=vuser, activity=activity)
    assert error.value.code == "ALREADY_SIGNED_UP"
    with pytest.raises(PortalError) as error:
        services.signup_create(user=other.user, activity=activity)
    assert error.value.code == "ACTIVITY_FULL"
    services.signup_cancel(user=vuser, activity=activity)
    assert services.signup_create(user=other.user, activity=activity).status == "signed_up"


def test_minimum_age(team, street, street_coordinator):
    teen = factories.approved_volunteer(street=street, approver=street_coordinator, age=16)
    activity = factories.activity(team=team, minimum_age=18)
    with pytest.raises(PortalError) as error:
        services.signup_create(user=teen.user, activity=activity)
    assert error.value.code == "TOO_YOUNG"


def test_only_leaders_or_coordinators_publish(team, vuser, other_street_coordinator):
    for user in (vuser, other_street_coordinator):
        with pytest.raises(PortalError) as error:
            services.activity_publish(
                team=team,
                by=user,
                title="x",
                activity_type="publicity",
                channel=factories.channel(),
                area=team.area,
                starts_at=timezone.now(),
                ends_at=timezone.now() + datetime.timedelta(hours=1),
                capacity=5,
            )
        assert error.value.code == "NOT_TEAM_LEADER"


# ------------------------------------------------------------------------------
# Attendance: QR scans, clipping, auto-close
# ------------------------------------------------------------------------------
def _activity_at(team, start, hours=2):
    with time_machine.travel(start - datetime.timedelta(days=1), tick=False):
        return factories.activity(team=team, start=start, hours=hours)


def _signed_up(team, vuser, start, hours=2):
    activity = _activity_at(team, start, hours)
    with time_machine.travel(start - datetime.timedelta(days=1), tick=False):
        services.signup_create(user=vuser, activity=activity)
    return activity


def test_leader_scan_in_and_out_makes_a_pending_record_clipped_to_the_activity(team, leader, vuser, profile):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    activity = _signed_up(team, vuser, start, hours=2)
    code = services.volunteer_qr_code(profile=profile)
    with time_machine.travel(start - datetime.timedelta(minutes=40), tick=False):  # early: clipped
        attendance = services.attendance_scan_volunteer(activity=activity, by=leader, code=code)
    assert attendance.sign_in_method == Attendance.Method.LEADER_SCAN
    with time_machine.travel(start + datetime.timedelta(hours=3), tick=False):  # late: clipped
        services.attendance_scan_volunteer(activity=activity, by=leader, code=code)

    record = ServiceRecord.objects.get()
    assert record.state == ServiceRecord.State.PENDING
    assert (record.started_at, record.ended_at) == (activity.starts_at, activity.ends_at)
    assert record.hours == Decimal("2.00")
    assert record.volunteer_user == vuser


def test_volunteer_scans_the_rotating_activity_code(team, vuser):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    activity = _signed_up(team, vuser, start, hours=3)
    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        services.attendance_scan_activity(user=vuser, code=services.activity_qr_code(activity=activity))
    with time_machine.travel(start + datetime.timedelta(minutes=90), tick=False):
        stale = services.activity_qr_code(activity=activity, ttl_seconds=60)
    with time_machine.travel(start + datetime.timedelta(minutes=95), tick=False):
        with pytest.raises(PortalError) as error:
            services.attendance_scan_activity(user=vuser, code=stale)
        assert error.value.code == "CODE_EXPIRED"
        services.attendance_scan_activity(user=vuser, code=services.activity_qr_code(activity=activity))
    assert ServiceRecord.objects.get().hours == Decimal("1.08")


def test_personal_code_carries_no_personal_data(profile):
    code = services.volunteer_qr_code(profile=profile)
    for secret in (profile.person.id_number, profile.person.name, profile.user.phone, profile.number):
        assert secret not in code
    with pytest.raises(PortalError):
        services.attendance_scan_activity(user=profile.user, code=code)  # wrong purpose


def test_scan_without_sign_up_is_refused(team, leader, profile):
    activity = factories.activity(team=team, start=timezone.now() + datetime.timedelta(minutes=30))
    with pytest.raises(PortalError) as error:
        services.attendance_scan_volunteer(
            activity=activity, by=leader, code=services.volunteer_qr_code(profile=profile)
        )
    assert error.value.code == "NOT_SIGNED_UP"


def test_open_sign_ins_are_closed_after_24_hours_and_flagged(team, vuser):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    activity = _signed_up(team, vuser, start, hours=2)
    with time_machine.travel(start + datetime.timedelta(minutes=15), tick=False):
        services.attendance_scan_activity(user=vuser, code=services.activity_qr_code(activity=activity))
    with time_machine.travel(start + datetime.timedelta(hours=23), tick=False):
        assert services.attendance_close_stale() == 0
    with time_machine.travel(start + datetime.timedelta(hours=24, minutes=20), tick=False):
        assert services.attendance_close_stale() == 1
        assert services.attendance_close_stale() == 0  # idempotent

    attendance = Attendance.objects.get()
    record = ServiceRecord.objects.get()
    assert attendance.auto_closed and attendance.sign_out_method == Attendance.Method.AUTO_CLOSED
    assert attendance.signed_out_at == activity.ends_at
    assert record.flagged_auto_closed and record.state == ServiceRecord.State.PENDING
    assert record.hours == Decimal("1.75")


def test_close_stale_task_runs_the_service(team, vuser):
    from volunteers.tasks import attendance_close_stale_task

    assert attendance_close_stale_task.apply().get() == 0


# ------------------------------------------------------------------------------
# Declared and group records; approval
# ------------------------------------------------------------------------------
def _past_activity(team, vuser, hours=3):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    return _signed_up(team, vuser, start, hours=hours)


def test_declare_is_clipped_and_only_for_attended_activities(team, vuser, street, street_coordinator):
    activity = _past_activity(team, vuser)
    record = services.service_record_declare(
        user=vuser,
        activity=activity,
        started_at=activity.starts_at - datetime.timedelta(hours=1),
        ended_at=activity.starts_at + datetime.timedelta(hours=2),
        note="布置展板",
    )
    assert record.hours == Decimal("2.00") and record.origin == "declared"
    with pytest.raises(PortalError) as error:
        services.service_record_declare(
            user=vuser, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
        )
    assert error.value.code == "ALREADY_RECORDED"

    stranger = factories.approved_volunteer(street=street, approver=street_coordinator)
    with pytest.raises(PortalError) as error:
        services.service_record_declare(
            user=stranger.user, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
        )
    assert error.value.code == "NOT_ATTENDED"


def test_self_approval_is_impossible_in_the_service(team, leader, street, street_coordinator):
    leader_profile = factories.approved_volunteer(
        street=street, approver=street_coordinator, user=factories.verified_user()
    )
    # The leader is also a volunteer of their own team, with their own record.
    VolunteerProfile.objects.filter(pk=leader_profile.pk).update(user=leader)
    leader_profile.refresh_from_db()
    services.team_join_by_code(user=leader, code=team.join_code)
    activity = _past_activity(team, leader)
    record = services.service_record_declare(
        user=leader, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )

    with pytest.raises(PortalError) as error:
        services.service_record_approve(records=[record], by=leader)
    assert error.value.code == "self_approval" and error.value.status == 403
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.PENDING


def test_database_refuses_a_self_decided_record(team, vuser):
    activity = _past_activity(team, vuser)
    record = services.service_record_declare(
        user=vuser, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(pk=record.pk).update(
            state="approved", decided_by=vuser, decided_at=timezone.now()
        )


def test_database_refuses_negative_hours(team, vuser):
    activity = _past_activity(team, vuser)
    record = services.service_record_declare(
        user=vuser, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(pk=record.pk).update(hours=Decimal("-1"))


def test_leader_approves_in_bulk_and_totals_follow(team, leader, vuser, profile, street, street_coordinator):
    other = factories.approved_volunteer(street=street, approver=street_coordinator)
    services.team_join_by_code(user=other.user, code=team.join_code)
    activity = _past_activity(team, vuser, hours=4)
    records = services.service_record_enter_group(
        by=leader,
        activity=activity,
        volunteers=[profile, other],
        started_at=activity.starts_at,
        ended_at=activity.ends_at,
    )
    assert services.service_record_approve(records=records, by=leader) == 2
    profile.refresh_from_db()
    assert profile.approved_hours == Decimal("4.00") and profile.last_served_at == activity.ends_at
    with pytest.raises(PortalError) as error:
        services.service_record_approve(records=records, by=leader)
    assert error.value.code == "NOT_PENDING"
    assert AuditEntry.objects.filter(action="volunteers.record.approved").count() == 2


def test_other_street_coordinator_cannot_decide(team, vuser, other_street_coordinator, street_coordinator):
    activity = _past_activity(team, vuser)
    record = services.service_record_declare(
        user=vuser, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    with pytest.raises(PortalError) as error:
        services.service_record_decline(records=[record], by=other_street_coordinator, reason="不对")
    assert error.value.code == "NOT_IN_YOUR_AREA"
    assert services.service_record_decline(records=[record], by=street_coordinator, reason="时间不符") == 1
    record.refresh_from_db()
    assert (record.state, record.decision_reason) == ("declined", "时间不符")


def test_correction_puts_the_record_back_to_pending(team, leader, vuser):
    activity = _past_activity(team, vuser)
    record = services.service_record_declare(
        user=vuser,
        activity=activity,
        started_at=activity.starts_at,
        ended_at=activity.starts_at + datetime.timedelta(hours=1),
    )
    services.service_record_approve(records=[record], by=leader)
    correction = services.correction_request(
        record=record,
        user=vuser,
        reason="漏记一小时",
        proposed_ended_at=activity.starts_at + datetime.timedelta(hours=2),
    )
    with pytest.raises(PortalError) as error:
        services.correction_decide(correction=correction, by=vuser, accept=True)
    assert error.value.code == "self_approval"
    services.correction_decide(correction=correction, by=leader, accept=True)
    record.refresh_from_db()
    assert (record.state, record.hours) == ("pending", Decimal("2.00"))
    assert VolunteerProfile.objects.get(user=vuser).approved_hours == 0


def _tallies():
    from volunteers.models import HoursTally, MonthlyHoursTally

    kinds = {
        (t.area_id, t.activity_type, t.channel_key): (t.hours, t.records)
        for t in HoursTally.objects.all()
        if t.records
    }
    months = {
        (t.area_id, t.month): (t.hours, t.records) for t in MonthlyHoursTally.objects.all() if t.records
    }
    return kinds, months


def test_kept_hour_aggregates_agree_with_a_recount(
    team, leader, vuser, street, community, street_coordinator
):
    """Approving (in bulk, across areas, types and months), declining and reopening an approved
    record through a correction keep the dashboard's aggregates equal to a recount of the records."""
    other = factories.approved_volunteer(street=street, approver=street_coordinator)
    services.team_join_by_code(user=other.user, code=team.join_code)
    now = timezone.now().replace(microsecond=0)
    records = []
    for days, kind, area in ((3, "publicity", street), (40, "drill", community), (75, "patrol", street)):
        activity = factories.activity(
            team=team, start=now - datetime.timedelta(days=days), activity_type=kind, area=area
        )
        for profile in (VolunteerProfile.objects.get(user=vuser),):
            records.append(
                services._record_create(
                    profile=profile,
                    started_at=activity.starts_at,
                    ended_at=activity.ends_at,
                    origin="group",
                    title=activity.title,
                    area=activity.area,
                    activity=activity,
                )
            )
    start = now - datetime.timedelta(days=10)
    records.append(  # no activity, no channel: e.g. helping at a training session
        services._record_create(
            profile=other,
            started_at=start,
            ended_at=start + datetime.timedelta(hours=3),
            origin="signal",
            title="一警六员实训保障",
            area=street,
        )
    )
    services.service_record_approve(records=records[:2], by=leader)
    services.service_record_approve(records=[records[3]], by=street_coordinator)  # no team: coordinator
    services.service_record_decline(records=[records[2]], by=leader, reason="未到场")
    correction = services.correction_request(
        record=records[0],
        user=vuser,
        reason="晚到一小时",
        proposed_started_at=records[0].started_at + datetime.timedelta(hours=1),
    )
    services.correction_decide(correction=correction, by=leader, accept=True)
    services.service_record_approve(records=[records[0]], by=leader)  # approved again, 2 h now

    kept = _tallies()
    services.hours_tally_rebuild()
    recount = _tallies()
    assert kept == recount
    kinds, months = kept
    assert sum(hours for hours, _n in kinds.values()) == Decimal("2.00") + Decimal("3.00") + Decimal("3.00")
    assert sum(n for _h, n in months.values()) == 3


# ------------------------------------------------------------------------------
# Stars
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hours", "level"),
    [
        ("0", 0),
        ("99.9", 0),
        ("100", 1),
        ("299.99", 1),
        ("300", 2),
        ("599.9", 2),
        ("600", 3),
        ("999.9", 3),
        ("1000", 4),
        ("1499.9", 4),
        ("1500", 5),
        ("9000", 5),
    ],
)
def test_star_level_boundaries(hours, level):
    thresholds = [Decimal(t) for t in (100, 300, 600, 1000, 1500)]
    assert services.star_level_for(hours=Decimal(hours), thresholds=thresholds) == level


def _approve_hours(profile, leader, team, hours):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=10)
    activity = _activity_at(team, start, hours=int(float(hours)) + 1)
    record = services._record_create(
        profile=profile,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=float(hours)),
        origin="group",
        title="测试",
        area=team.area,
        activity=activity,
    )
    services.service_record_approve(records=[record], by=leader)
    profile.refresh_from_db()
    return profile


def test_reaching_a_star_publishes_a_notice_for_the_configured_days(team, leader, profile, district):
    StarLevelSetting.objects.create(
        district=district, star1=5, star2=10, star3=20, star4=40, star5=80, notice_days=5
    )
    _approve_hours(profile, leader, team, "4.9")
    assert profile.star_level == 0 and not StarNotice.objects.exists()
    _approve_hours(profile, leader, team, "0.1")
    assert profile.star_level == 1
    notice = StarNotice.objects.get()
    assert notice.level == 1 and (notice.publish_until - notice.published_on).days == 5


# ------------------------------------------------------------------------------
# The cross-module signal
# ------------------------------------------------------------------------------
def test_signal_records_one_pending_record_per_source(profile, community, district):
    source = district  # any model instance stands for the sender's record
    start = timezone.now() - datetime.timedelta(hours=3)
    kwargs = {
        "person": profile.person,
        "area": community,
        "started_at": start,
        "ended_at": start + datetime.timedelta(hours=2),
        "title": "一警六员实训保障",
    }
    signals.volunteer_service_performed.send(sender=None, source=source, **kwargs)
    signals.volunteer_service_performed.send(sender=None, source=source, **kwargs)

    record = ServiceRecord.objects.get()
    assert (record.state, record.origin, record.hours) == ("pending", "signal", Decimal("2.00"))


def test_signal_for_a_non_volunteer_does_nothing(community, district):
    person = PersonFactory(name="赵路人")
    start = timezone.now()
    signals.volunteer_service_performed.send(
        sender=None,
        person=person,
        area=community,
        started_at=start,
        ended_at=start,
        title="x",
        source=district,
    )
    assert not ServiceRecord.objects.exists()


# ------------------------------------------------------------------------------
# Role models
# ------------------------------------------------------------------------------
def test_coordinator_nominates_and_district_selects(profile, street_coordinator, district_admin, district):
    from portal import metrics
    from portal.models import Metric

    nomination = services.role_model_nominate(
        volunteer=profile, by=street_coordinator, citation="常年开展消防宣传"
    )
    with pytest.raises(PortalError) as error:
        services.role_model_select(nomination=nomination, by=street_coordinator, selected=True)
    assert error.value.code == "NOT_IN_YOUR_AREA"
    services.role_model_select(nomination=nomination, by=district_admin, selected=True)
    year = timezone.localdate().year
    assert metrics.actual(Metric.VOLUNTEER_ROLE_MODELS, district=district, year=year) == 1
    assert metrics.actual(Metric.REGISTERED_VOLUNTEERS, district=district, year=year) == 1

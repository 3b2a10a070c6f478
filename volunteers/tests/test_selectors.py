import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from portal.tests.factories import PlanPeriodFactory, TargetFactory
from volunteers import selectors, services
from volunteers.models import ServiceRecord, VolunteerProfile
from volunteers.tests import factories

pytestmark = pytest.mark.django_db


def _records(profile, team, n, state="approved", approver=None):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=20)
    activity = factories.activity(team=team, start=start, hours=4) if n else None
    out = []
    for i in range(n):
        record = services._record_create(
            profile=profile,
            started_at=start + datetime.timedelta(minutes=i),
            ended_at=start + datetime.timedelta(minutes=i + 60),
            origin="group",
            title=f"活动{i}",
            area=team.area,
            activity=activity,
        )
        out.append(record)
    if state == "approved" and out:
        services.service_record_approve(records=out, by=approver)
    return out


def _sheet(data: bytes):
    return list(load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(values_only=True))


# ------------------------------------------------------------------------------
# Area scoping
# ------------------------------------------------------------------------------
def test_coordinator_sees_and_exports_only_their_street(
    street, other_street, street_coordinator, other_street_coordinator, district_admin
):
    mine = factories.approved_volunteer(street=street, approver=street_coordinator, name="甲本街")
    theirs = factories.approved_volunteer(
        street=other_street, approver=other_street_coordinator, name="乙外街"
    )

    assert list(selectors.roster_for(user=street_coordinator)) == [mine]
    assert selectors.volunteer_for_staff(user=street_coordinator, profile_id=theirs.pk) is None
    assert set(selectors.roster_for(user=district_admin)) == {mine, theirs}

    rows = _sheet(selectors.roster_xlsx(user=street_coordinator))
    names = [row[1] for row in rows[1:]]
    assert names == ["甲本街"]
    hours_rows = _sheet(selectors.hours_xlsx(user=other_street_coordinator))
    assert len(hours_rows) == 1  # header only: nothing of 金融街


def test_volunteer_and_resident_see_no_roster(profile, resident):
    assert not selectors.roster_for(user=profile.user).exists()
    assert not selectors.roster_for(user=resident).exists()


def test_pending_records_exclude_ones_own_and_other_streets(
    team, leader, vuser, profile, other_street_coordinator
):
    record = _records(profile, team, 1, state="pending")[0]
    assert list(selectors.pending_records_for(user=leader)) == [record]
    assert list(selectors.pending_records_for(user=vuser)) == []
    assert list(selectors.pending_records_for(user=other_street_coordinator)) == []


# ------------------------------------------------------------------------------
# Exports: layout and masking
# ------------------------------------------------------------------------------
def test_roster_export_layout_and_masked_ids(profile, street_coordinator):
    rows = _sheet(selectors.roster_xlsx(user=street_coordinator))
    assert list(rows[0]) == selectors.ROSTER_COLUMNS
    row = dict(zip(selectors.ROSTER_COLUMNS, rows[1], strict=True))
    assert row["证件号码"] == profile.person.id_number_masked
    assert row["志愿者编号"] == profile.number
    assert row["所属社区"] == "丰盛社区" and row["所属街道"] == "金融街街道"
    assert row["手机号码"] == profile.person.phone_masked
    assert "急救" in row["服务技能"] or row["服务技能"]
    data = selectors.roster_xlsx(user=street_coordinator)
    assert profile.person.id_number.encode() not in data


def test_hours_export_layout(team, leader, profile, street_coordinator):
    _records(profile, team, 2, approver=leader)
    rows = _sheet(selectors.hours_xlsx(user=street_coordinator))
    assert list(rows[0]) == selectors.HOURS_COLUMNS
    assert len(rows) == 3
    row = dict(zip(selectors.HOURS_COLUMNS, rows[1], strict=True))
    assert row["证件号码"] == profile.person.id_number_masked
    assert row["服务时长（小时）"] == 1.0 and row["审核状态"]


# ------------------------------------------------------------------------------
# Query counts do not grow with the data
# ------------------------------------------------------------------------------
def test_my_hours_query_count_is_flat(team, leader, profile, django_assert_num_queries):
    _records(profile, team, 2, approver=leader)
    with django_assert_num_queries(4) as small:
        hours = selectors.my_hours(user=profile.user)
        [r.activity and r.team and r.channel for r in hours.records]
    _records(profile, team, 30, approver=leader)
    with django_assert_num_queries(len(small.captured_queries)):
        hours = selectors.my_hours(user=profile.user)
        [r.activity and r.team and r.channel for r in hours.records]
    assert hours.approved_hours == Decimal(32) and len(hours.records) == 32


def test_roster_query_count_is_flat(street, community, street_coordinator, django_assert_num_queries):
    def read():
        return [
            (p.person.name, p.street.name, p.community and p.community.name, p.district.name)
            for p in selectors.roster_for(user=street_coordinator)
        ]

    for _ in range(2):
        factories.register(street=street, community=community)
    with django_assert_num_queries(2) as small:  # the user's groups, then one roster query
        read()
    for _ in range(15):
        factories.register(street=street, community=community)
    street_coordinator.__dict__.pop("_role_codes", None)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(read()) == 17


def test_progress_query_count_is_flat(
    district, street, street_coordinator, district_admin, team, leader, django_assert_num_queries
):
    street_coordinator.__dict__.pop("_role_codes", None)
    a = factories.approved_volunteer(street=street, approver=street_coordinator)
    _records(a, team, 2, approver=leader)
    district_admin.__dict__.pop("_role_codes", None)
    with django_assert_num_queries(8) as small:
        selectors.progress(user=district_admin, district=district)
    for _ in range(5):
        p = factories.approved_volunteer(street=street, approver=street_coordinator)
        _records(p, team, 3, approver=leader)
    district_admin.__dict__.pop("_role_codes", None)
    with django_assert_num_queries(len(small.captured_queries)):
        selectors.progress(user=district_admin, district=district)


# ------------------------------------------------------------------------------
# Progress
# ------------------------------------------------------------------------------
def test_progress_counts_approved_against_target_and_reference(
    district, street, other_street, street_coordinator, other_street_coordinator, district_admin, team, leader
):
    period = PlanPeriodFactory(district=district, start_year=2021, end_year=2030)
    TargetFactory(period=period, value=Decimal(3000))
    a = factories.approved_volunteer(street=street, approver=street_coordinator)
    factories.approved_volunteer(street=other_street, approver=other_street_coordinator)
    factories.register(street=street)  # pending: not counted
    _records(a, team, 2, approver=leader)

    result = selectors.progress(user=district_admin, district=district)
    assert (result.registered, result.pending, result.target) == (2, 1, Decimal(3000))
    assert result.reference == int(1_106_000 * 0.03)
    assert {s.street.name: s.registered for s in result.by_street} == {"金融街街道": 1, "什刹海街道": 1}
    assert result.active == 1 and result.active_share == Decimal("50.0")
    assert result.hours_by_type == [("Fire-safety publicity", Decimal("2.00"))] or result.hours_by_type[0][
        1
    ] == Decimal("2.00")
    assert result.hours_by_channel[0] == ("进社区", Decimal("2.00"))
    assert sum(h for _m, h in result.hours_by_month) == Decimal("2.00")

    scoped = selectors.progress(user=street_coordinator, district=district)
    assert scoped.registered == 1 and [s.street.name for s in scoped.by_street] == ["金融街街道"]
    assert sum(h for _t, h in scoped.hours_by_type) == Decimal("2.00")
    elsewhere = selectors.progress(user=other_street_coordinator, district=district)
    assert (elsewhere.registered, elsewhere.pending) == (1, 0)
    assert elsewhere.hours_by_type == elsewhere.hours_by_channel == elsewhere.hours_by_month == []


def test_star_levels_in_my_hours(team, leader, profile):
    _records(profile, team, 3, approver=leader)
    hours = selectors.my_hours(user=profile.user)
    assert hours.star_level == 0 and hours.next_star_hours == Decimal(97)


def test_activities_open_counts_seats(team, vuser):
    activity = factories.activity(team=team, capacity=4)
    services.signup_create(user=vuser, activity=activity)
    row = selectors.activities_open().get(pk=activity.pk)
    assert (row.signed_up, row.seats_left) == (1, 3)


def test_statuses_are_not_touched_by_exports(profile, street_coordinator):
    selectors.roster_xlsx(user=street_coordinator)
    assert VolunteerProfile.objects.get().status == "approved"
    assert not ServiceRecord.objects.exists()


def test_training_status_comes_from_the_training_selector(profile):
    items = selectors.training_status_for(person=profile.person)
    assert items is not None and items[0].status_display  # training's selector exists by now
    assert all(i.certificate_number == "" for i in items[:1])


def test_attended_activities_and_open_corrections(team, leader, vuser, profile):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    import time_machine

    with time_machine.travel(start - datetime.timedelta(days=1), tick=False):
        activity = factories.activity(team=team, start=start, hours=2)
        services.signup_create(user=vuser, activity=activity)
    assert list(selectors.activities_attended_by(user=vuser)) == [activity]
    record = services.service_record_declare(
        user=vuser, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    assert list(selectors.activities_attended_by(user=vuser)) == []
    correction = services.correction_request(record=record, user=vuser, reason="少记半小时")
    assert list(selectors.corrections_open_for(user=leader)) == [correction]
    assert list(selectors.corrections_open_for(user=vuser)) == []


def test_activities_by_street_channel_counts_held_activities_per_street_and_channel(
    district, street, community, other_street, other_district, team, django_assert_num_queries
):
    from portal.models import Channel
    from portal.tests.factories import AreaFactory

    school = Channel.objects.get_or_create(code="school", defaults={"name": "进学校", "sort_order": 2})[0]
    community_channel = factories.channel()
    other_team = factories.team(area=other_street)
    far_street = AreaFactory(name="劝业场街道", code="hp-qyc", parent=other_district)
    far_team = factories.team(area=far_street)
    now = timezone.now().replace(microsecond=0)
    since, until = now - datetime.timedelta(days=30), now + datetime.timedelta(days=30)
    inside = now - datetime.timedelta(days=3)
    factories.activity(team=team, start=inside)  # street itself, 进社区
    factories.activity(team=team, start=inside, area=community)  # community under the street
    factories.activity(team=team, start=inside, area=community, channel=school)
    factories.activity(team=team, start=inside, open_now=False)  # a draft is not published
    cancelled = factories.activity(team=team, start=inside)
    cancelled.status = cancelled.Status.CANCELLED
    cancelled.save(update_fields=["status"])
    closed = factories.activity(team=other_team, start=inside)
    closed.status = closed.Status.CLOSED  # sign-ups closed: still held
    closed.save(update_fields=["status"])
    factories.activity(team=team, start=until)  # the window is half-open
    factories.activity(team=team, start=since - datetime.timedelta(minutes=1))
    factories.activity(team=team, start=inside, area=district)  # district-wide: no street
    factories.activity(team=far_team, start=inside)  # a street not asked about

    with django_assert_num_queries(1):
        counts = selectors.activities_by_street_channel(
            streets=[street, other_street], since=since, until=until
        )
    assert counts == {
        (street.pk, community_channel.pk): 2,
        (street.pk, school.pk): 1,
        (other_street.pk, community_channel.pk): 1,
    }
    assert selectors.activities_by_street_channel(streets=[], since=since, until=until) == {}

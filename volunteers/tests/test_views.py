"""The volunteers pages: who may open what, area scoping of pages and exports, the self-approval
refusal shown in the UI, bad registration input (Chinese message, nothing saved), flat query
counts of the roster and "my hours" pages."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import Role, SMSMessage
from volunteers import services
from volunteers.models import ServiceRecord, VolunteerProfile
from volunteers.tests import factories

pytestmark = pytest.mark.django_db

LEAD_PAGES = [
    "volunteers:lead_home",
    "volunteers:activity_new",
    "volunteers:records_pending",
    "volunteers:join_requests",
]
STREET_PAGES = ["volunteers:street_home", "volunteers:roster", "volunteers:nominate"]
DISTRICT_PAGES = ["volunteers:district_dashboard", "volunteers:role_models"]


def _get(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


def _record(profile, *, hours: int = 2, team=None, days_ago: int = 3) -> ServiceRecord:
    """A pending record as the service would make it (declared for a past activity)."""
    start = timezone.now() - datetime.timedelta(days=days_ago)
    return ServiceRecord.objects.create(
        volunteer=profile,
        person=profile.person,
        volunteer_user=profile.user,
        team=team,
        area=profile.area,
        activity_type="publicity",
        title="社区消防宣传",
        origin=ServiceRecord.Origin.DECLARED,
        started_at=start,
        ended_at=start + datetime.timedelta(hours=hours),
        hours=hours,
    )


# ------------------------------------------------------------------------------
# Permissions per role
# ------------------------------------------------------------------------------
def test_anonymous_is_sent_to_log_in_and_public_pages_open(client):
    assert client.get(reverse("volunteers:home")).status_code == 200
    assert client.get(reverse("volunteers:activity_list")).status_code == 200
    assert client.get(reverse("volunteers:star_notices")).status_code == 200
    response = client.get(reverse("volunteers:register"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(reverse("volunteers:records_pending"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", LEAD_PAGES + STREET_PAGES + DISTRICT_PAGES)
def test_volunteer_and_resident_cannot_open_staff_pages(client, vuser, resident, name):
    assert _get(client, vuser, name).status_code == 403
    assert _get(client, resident, name).status_code == 403


@pytest.mark.parametrize("name", LEAD_PAGES)
def test_leader_opens_leader_pages_only(client, leader, name):
    assert _get(client, leader, name).status_code == 200


@pytest.mark.parametrize("name", STREET_PAGES + DISTRICT_PAGES)
def test_leader_cannot_open_street_or_district_pages(client, leader, name):
    assert _get(client, leader, name).status_code == 403


@pytest.mark.parametrize("name", LEAD_PAGES + STREET_PAGES)
def test_coordinator_opens_leader_and_street_pages(client, street_coordinator, profile, name):
    assert _get(client, street_coordinator, name).status_code == 200


@pytest.mark.parametrize("name", DISTRICT_PAGES)
def test_coordinator_cannot_open_district_pages(client, street_coordinator, name):
    assert _get(client, street_coordinator, name).status_code == 403


@pytest.mark.parametrize("name", DISTRICT_PAGES + STREET_PAGES)
def test_district_admin_opens_district_pages(client, district_admin, profile, name):
    assert _get(client, district_admin, name).status_code == 200


def test_volunteer_pages_render_for_an_approved_volunteer(client, vuser, team):
    activity = factories.activity(team=team)
    for name, args in [
        ("volunteers:me", ()),
        ("volunteers:my_hours", ()),
        ("volunteers:declare", ()),
        ("volunteers:team_join", ()),
        ("volunteers:scan", ()),
        ("volunteers:activity_list", ()),
        ("volunteers:activity_detail", (activity.pk,)),
    ]:
        response = _get(client, vuser, name, *args)
        assert response.status_code == 200, name
    qr = _get(client, vuser, "volunteers:my_qr")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/png"


def test_leader_manages_only_activities_of_teams_they_lead(client, leader, team, make_user, other_street):
    activity = factories.activity(team=team)
    assert _get(client, leader, "volunteers:activity_signin", activity.pk).status_code == 200
    assert _get(client, leader, "volunteers:activity_qr_png", activity.pk)["Content-Type"] == "image/png"
    other_leader = make_user(Role.TEAM_LEADER, other_street)
    assert _get(client, other_leader, "volunteers:activity_signin", activity.pk).status_code == 404
    assert _get(client, other_leader, "volunteers:activity_qr_png", activity.pk).status_code == 404


# ------------------------------------------------------------------------------
# Area scoping: pages and exports
# ------------------------------------------------------------------------------
def test_coordinator_of_another_street_neither_sees_nor_exports_nor_approves(
    client, street, other_street_coordinator, profile
):
    pending = factories.register(street=street, name="赵待审")
    response = _get(client, other_street_coordinator, "volunteers:roster")
    assert response.status_code == 200
    assert profile.person.name not in response.content.decode()
    assert profile.person.id_number_masked not in response.content.decode()

    response = _get(client, other_street_coordinator, "volunteers:roster", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 1  # the header only
    assert "赵待审" not in _get(client, other_street_coordinator, "volunteers:street_home").content.decode()

    response = client.post(reverse("volunteers:street_home"), {"profile": pending.pk, "action": "approve"})
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == VolunteerProfile.Status.PENDING


def test_roster_and_export_of_own_street_are_masked(client, street_coordinator, profile):
    page = _get(client, street_coordinator, "volunteers:roster").content.decode()
    assert profile.person.name in page
    assert profile.person.id_number_masked in page
    assert profile.person.id_number not in page
    assert profile.person.phone not in page or not profile.person.phone
    response = _get(client, street_coordinator, "volunteers:roster", format="xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    values = [
        str(c) for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.values for c in row
    ]
    assert profile.person.id_number_masked in values
    assert profile.person.id_number not in values


def test_district_exports_stay_in_the_district(client, other_district_admin, district_admin, profile, team):
    _record(profile, team=team)
    for user, expected in ((district_admin, True), (other_district_admin, False)):
        for kind in ("roster", "hours"):
            response = _get(client, user, "volunteers:district_export", kind)
            assert response.status_code == 200
            text = " ".join(
                str(c)
                for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.values
                for c in row
            )
            if kind == "roster":
                assert (profile.person.name in text) is expected
            assert profile.person.id_number not in text


def test_coordinator_approves_a_registration_of_their_street(client, street, street_coordinator):
    pending = factories.register(street=street, name="钱新人")
    client.force_login(street_coordinator)
    response = client.post(
        reverse("volunteers:street_home"), {"profile": pending.pk, "action": "approve"}, follow=True
    )
    pending.refresh_from_db()
    assert pending.status == VolunteerProfile.Status.APPROVED and pending.number
    assert pending.number in response.content.decode()


def test_declining_a_registration_needs_a_reason(client, street, street_coordinator):
    pending = factories.register(street=street, name="孙待定")
    client.force_login(street_coordinator)
    response = client.post(
        reverse("volunteers:street_home"),
        {"profile": pending.pk, "action": "decline", "reason": ""},
        follow=True,
    )
    pending.refresh_from_db()
    assert pending.status == VolunteerProfile.Status.PENDING
    assert "理由" in response.content.decode() or "reason" in response.content.decode().lower()


# ------------------------------------------------------------------------------
# Self-approval refused in the UI
# ------------------------------------------------------------------------------
def test_leader_cannot_approve_their_own_hours_in_the_ui(client, street, street_coordinator, leader, team):
    own = factories.approved_volunteer(
        street=street, approver=street_coordinator, user=factories.verified_user()
    )
    own.user = leader
    VolunteerProfile.objects.filter(pk=own.pk).update(user=leader)
    own.refresh_from_db()
    record = _record(own, team=team)
    client.force_login(leader)
    listing = client.get(reverse("volunteers:records_pending")).content.decode()
    assert f'value="{record.pk}"' not in listing  # one's own records are not offered
    response = client.post(
        reverse("volunteers:records_pending"), {"record": [record.pk], "action": "approve"}, follow=True
    )
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.PENDING
    messages = [str(m) for m in response.context["messages"]]
    assert messages and all("自己" in m or "own" in m for m in messages), messages


def test_leader_approves_team_hours_in_bulk(client, leader, team, profile):
    records = [_record(profile, team=team, days_ago=d) for d in (3, 4)]
    client.force_login(leader)
    client.post(
        reverse("volunteers:records_pending"),
        {"record": [r.pk for r in records], "action": "approve"},
        follow=True,
    )
    assert ServiceRecord.objects.filter(pk__in=[r.pk for r in records], state="approved").count() == 2
    profile.refresh_from_db()
    assert profile.approved_hours == 4


# ------------------------------------------------------------------------------
# Registration: bad input gives a Chinese message and saves nothing
# ------------------------------------------------------------------------------
@pytest.fixture
def applicant():
    return factories.verified_user()


def _form(street, community, **overrides) -> dict:
    data = {
        "name": "周报名",
        "id_number": factories.id_number_for_age(30),
        "street": street.pk,
        "community": community.pk,
        "skills": ["first_aid"],
        "availability": ["weekend"],
        "emergency_contact_name": "周家属",
        "emergency_contact_phone": "13900003333",
        "notice_read": "on",
        "id_consent": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_registration_succeeds_and_waits_for_the_coordinator(client, applicant, street, community):
    client.force_login(applicant)
    response = client.post(reverse("volunteers:register"), _form(street, community), follow=True)
    profile = VolunteerProfile.objects.get(user=applicant)
    assert profile.status == VolunteerProfile.Status.PENDING
    assert "街道协调员" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"id_number": "110102199001011234"}, "校验"),  # wrong check digit
        ({"id_number": "12345"}, "18"),
        ({"id_consent": None}, "身份证号"),
        ({"notice_read": None}, "告知"),
        ({"emergency_contact_phone": "12345"}, "手机"),
        ({"availability": None}, "至少选择一个可服务时间"),
    ],
)
def test_registration_bad_input(client, applicant, street, community, overrides, needle):
    client.force_login(applicant)
    response = client.post(reverse("volunteers:register"), _form(street, community, **overrides))
    assert response.status_code == 400
    assert needle in response.content.decode()
    assert not VolunteerProfile.objects.filter(user=applicant).exists()


def test_registration_refuses_under_14(client, applicant, street, community):
    client.force_login(applicant)
    response = client.post(
        reverse("volunteers:register"), _form(street, community, id_number=factories.id_number_for_age(13))
    )
    assert response.status_code == 400
    assert "14" in response.content.decode()
    assert not VolunteerProfile.objects.filter(user=applicant).exists()


def test_registration_of_a_minor_needs_the_guardian(client, applicant, street, community):
    client.force_login(applicant)
    minor = factories.id_number_for_age(16)
    response = client.post(reverse("volunteers:register"), _form(street, community, id_number=minor))
    assert response.status_code == 400
    assert "监护人" in response.content.decode()
    assert not VolunteerProfile.objects.filter(user=applicant).exists()
    guardian = {"guardian_name": "周父", "guardian_relation": "父亲", "guardian_phone": "13900004444"}
    response = client.post(
        reverse("volunteers:register"),
        _form(street, community, id_number=minor, guardian_consent="on", **guardian),
    )
    assert response.status_code == 302
    assert VolunteerProfile.objects.get(user=applicant).guardian_consented_at is not None


def test_registration_community_must_belong_to_the_street(client, applicant, street, other_street, community):
    client.force_login(applicant)
    response = client.post(reverse("volunteers:register"), _form(other_street, community))
    assert response.status_code == 400
    assert not VolunteerProfile.objects.filter(user=applicant).exists()


def test_registration_needs_a_verified_phone(client, make_user, street, community):
    unverified = make_user()
    client.force_login(unverified)
    page = client.get(reverse("volunteers:register")).content.decode()
    assert reverse("account_change_phone") in page
    response = client.post(reverse("volunteers:register"), _form(street, community))
    assert not VolunteerProfile.objects.filter(user=unverified).exists()
    assert 'name="id_number"' not in response.content.decode()


def test_resident_verifying_the_phone_by_sms_comes_back_to_the_registration_form(
    client, make_user, street, community
):
    resident = make_user()
    client.force_login(resident)
    register_url = reverse("volunteers:register")
    page = client.get(register_url).content.decode()
    link = f"{reverse('account_change_phone')}?next={register_url}"
    assert link in page

    assert client.get(link).status_code == 200
    response = client.post(reverse("account_change_phone"), {"phone": "13811112222"})
    assert response.status_code == 302
    code = re.search(r"\d{6}", SMSMessage.objects.first().text).group()
    response = client.post(reverse("account_verify_phone"), {"code": code}, follow=True)

    assert response.redirect_chain[-1][0] == register_url
    assert 'name="id_number"' in response.content.decode()
    response = client.post(register_url, _form(street, community))
    assert response.status_code == 302
    assert VolunteerProfile.objects.filter(user=resident).exists()


def test_phone_page_ignores_a_next_pointing_elsewhere(client, make_user):
    client.force_login(make_user())
    client.get(reverse("account_change_phone"), {"next": "https://evil.example/"})
    assert "portal_phone_next" not in client.session


def test_streets_of_the_same_name_in_two_districts_are_told_apart(
    client, applicant, district, other_district, street
):
    from portal.tests.factories import AreaFactory

    twin = AreaFactory(name="金融街街道", code="hp-jrj", parent=other_district)
    twin_community = AreaFactory(name="丰盛社区", code="hp-jrj-fs", parent=twin)
    client.force_login(applicant)
    page = client.get(reverse("volunteers:register")).content.decode()

    assert f'<option value="{street.pk}">西城区 · 金融街街道</option>' in page
    assert f'<option value="{twin.pk}">和平区 · 金融街街道</option>' in page
    assert 'label="和平区 · 金融街街道"' in page  # the communities are grouped the same way
    response = client.post(reverse("volunteers:register"), _form(twin, twin_community))
    assert response.status_code == 302
    profile = VolunteerProfile.objects.get(user=applicant)
    assert (profile.district, profile.street, profile.community) == (other_district, twin, twin_community)


# ------------------------------------------------------------------------------
# Query counts do not grow with the data
# ------------------------------------------------------------------------------
def _count_queries(client, url) -> int:
    client.get(url)  # warm the per-process caches (content types, permissions) first
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_my_hours_query_count_is_flat(client, vuser, profile, team):
    client.force_login(vuser)
    url = reverse("volunteers:my_hours")
    _record(profile, team=team)
    small = _count_queries(client, url)
    for day in range(30):
        _record(profile, team=team, days_ago=day + 5)
    assert _count_queries(client, url) == small


def test_my_hours_query_count_uncached_is_flat(client, vuser, profile, team, django_assert_max_num_queries):
    """A cache miss (the first visit after a change) reads the records: the same count at two sizes."""
    from django.core.cache import cache

    client.force_login(vuser)
    url = reverse("volunteers:my_hours")
    _record(profile, team=team)
    client.get(url)
    cache.clear()
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200
    for day in range(40):
        _record(profile, team=team, days_ago=day + 5)
    cache.clear()
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200


def test_my_hours_pages_through_a_long_history(client, vuser, profile, team):
    for day in range(32):
        _record(profile, team=team, days_ago=day + 1)
    client.force_login(vuser)
    url = reverse("volunteers:my_hours")

    first = client.get(url).content.decode()
    assert "?page=2" in first
    assert first.count('class="vol-list__title"') == 20
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="vol-list__title"') == 12
    assert "?page=1" in second and "?page=3" not in second
    assert client.get(url, {"page": "x"}).status_code == 200


def test_my_hours_shows_the_newest_records_first(client, vuser, profile, team):
    old, new = _record(profile, team=team, days_ago=40), _record(profile, team=team, days_ago=1)
    ServiceRecord.objects.filter(pk=old.pk).update(title="旧的记录")
    ServiceRecord.objects.filter(pk=new.pk).update(title="新的记录")
    page = _get(client, vuser, "volunteers:my_hours").content.decode()
    assert page.index("新的记录") < page.index("旧的记录")


def test_my_hours_shows_an_approval_at_once(client, vuser, profile, team, leader):
    record = _record(profile, team=team, hours=3)
    before = _get(client, vuser, "volunteers:my_hours").content.decode()
    assert "vol-status--pending" in before
    assert "vol-status--pending" in client.get(reverse("volunteers:my_hours")).content.decode()  # cached

    services.service_record_approve(records=[record], by=leader)

    after = client.get(reverse("volunteers:my_hours")).content.decode()
    assert "vol-status--approved" in after and "vol-status--pending" not in after
    figures = re.findall(r"<strong>([^<]*)</strong>", after)
    assert figures[:2] == ["3", "0"]  # approved hours, waiting for approval


def test_my_hours_shows_a_new_and_a_deleted_record_at_once(client, vuser, profile, team):
    _record(profile, team=team)
    assert _get(client, vuser, "volunteers:my_hours").content.decode().count("vol-list__title") == 1
    extra = _record(profile, team=team, days_ago=1)
    assert client.get(reverse("volunteers:my_hours")).content.decode().count("vol-list__title") == 2
    extra.delete()
    assert client.get(reverse("volunteers:my_hours")).content.decode().count("vol-list__title") == 1


def test_my_hours_never_shows_another_volunteers_fragment(
    client, vuser, profile, team, street, community, street_coordinator
):
    mine = _record(profile, team=team)
    ServiceRecord.objects.filter(pk=mine.pk).update(title="我的宣传活动")
    other = factories.approved_volunteer(street=street, community=community, approver=street_coordinator)
    theirs = _record(other, team=team)
    ServiceRecord.objects.filter(pk=theirs.pk).update(title="别人的宣传活动")

    first = _get(client, vuser, "volunteers:my_hours").content.decode()
    second = _get(client, other.user, "volunteers:my_hours").content.decode()
    again = _get(client, vuser, "volunteers:my_hours").content.decode()
    assert "我的宣传活动" in first and "别人的宣传活动" not in first
    assert "别人的宣传活动" in second and "我的宣传活动" not in second
    assert "我的宣传活动" in again and "别人的宣传活动" not in again


def test_my_hours_from_the_cache_reads_no_records(client, vuser, profile, team):
    _record(profile, team=team)
    client.force_login(vuser)
    url = reverse("volunteers:my_hours")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q for q in queries.captured_queries if "volunteers_servicerecord" in q["sql"]]


def test_roster_query_count_is_flat(client, street, community, street_coordinator, profile):
    client.force_login(street_coordinator)
    url = reverse("volunteers:roster")
    small = _count_queries(client, url)
    for _n in range(12):
        factories.approved_volunteer(street=street, community=community, approver=street_coordinator)
    assert _count_queries(client, url) == small


def test_records_pending_query_count_is_flat(client, leader, team, profile):
    client.force_login(leader)
    url = reverse("volunteers:records_pending")
    _record(profile, team=team)
    small = _count_queries(client, url)
    for day in range(20):
        _record(profile, team=team, days_ago=day + 5)
    assert _count_queries(client, url) == small


def test_dashboard_shows_target_and_street_rows(client, district_admin, profile):
    response = _get(client, district_admin, "volunteers:district_dashboard")
    page = response.content.decode()
    assert profile.street.name in page
    assert 'id="chart-streets"' in page


# ------------------------------------------------------------------------------
# Volunteer flows through the pages
# ------------------------------------------------------------------------------
def test_sign_up_and_cancel(client, vuser, team):
    activity = factories.activity(team=team)
    client.force_login(vuser)
    client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    assert activity.signups.filter(status="signed_up").count() == 1
    client.post(reverse("volunteers:activity_cancel", args=[activity.pk]))
    assert activity.signups.filter(status="signed_up").count() == 0


def test_scan_answers_json_with_a_chinese_message_for_a_bad_code(client, vuser):
    client.force_login(vuser)
    response = client.post(reverse("volunteers:scan"), {"code": "forged"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["code"] == "CODE_INVALID"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


def test_leader_signs_a_volunteer_in_and_out_from_the_list(client, leader, vuser, team):
    start = timezone.now() - datetime.timedelta(minutes=30)
    activity = factories.activity(team=team, start=timezone.now() + datetime.timedelta(days=1))
    client.force_login(vuser)
    client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    type(activity).objects.filter(pk=activity.pk).update(
        starts_at=start, ends_at=start + datetime.timedelta(hours=3)
    )
    profile = VolunteerProfile.objects.get(user=vuser)
    client.force_login(leader)
    url = reverse("volunteers:activity_signin", args=[activity.pk])
    assert client.post(url, {"volunteer": profile.pk}, HTTP_ACCEPT="application/json").json()["ok"] is True
    assert client.post(url, {"volunteer": profile.pk}, HTTP_ACCEPT="application/json").json()["ok"] is True
    assert ServiceRecord.objects.filter(volunteer=profile, activity=activity, state="pending").count() == 1


def test_declare_and_correction_pages(client, vuser, team, profile):
    record = _record(profile, team=team)
    client.force_login(vuser)
    response = client.post(reverse("volunteers:correction", args=[record.pk]), {"reason": ""})
    assert response.status_code == 400
    response = client.post(reverse("volunteers:correction", args=[record.pk]), {"reason": "签退时间记错了"})
    assert response.status_code == 302
    assert record.corrections.count() == 1


def test_publishing_a_risky_activity_without_insurance_keeps_it_draft(client, leader, team):
    from portal.models import Channel

    channel = factories.channel()
    assert Channel.objects.filter(pk=channel.pk).exists()
    start = timezone.localtime() + datetime.timedelta(days=3)
    data = {
        "team": team.pk,
        "title": "高层建筑疏散演练",
        "activity_type": "drill",
        "channel": channel.pk,
        "area": team.area.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 20,
        "minimum_age": 18,
        "is_risky": "on",
    }
    client.force_login(leader)
    response = client.post(reverse("volunteers:activity_new"), data)
    assert response.status_code == 302
    from volunteers.models import Activity

    activity = Activity.objects.get(title="高层建筑疏散演练")
    assert activity.status == Activity.Status.DRAFT
    client.post(
        reverse("volunteers:activity_insurance", args=[activity.pk]),
        {"insurer": "中国人寿", "policy_number": "PICC-2026-001"},
    )
    activity.refresh_from_db()
    assert activity.status == Activity.Status.OPEN


def test_leader_accepts_a_correction_and_the_record_waits_again(client, vuser, leader, team, profile):
    record = _record(profile, team=team)
    client.force_login(leader)
    client.post(reverse("volunteers:records_pending"), {"record": [record.pk], "action": "approve"})
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.APPROVED
    new_end = timezone.localtime(record.ended_at + datetime.timedelta(hours=1))
    client.force_login(vuser)
    client.post(
        reverse("volunteers:correction", args=[record.pk]),
        {"reason": "实际服务到更晚", "proposed_ended_at": new_end.strftime("%Y-%m-%dT%H:%M")},
    )
    correction = record.corrections.get()
    assert _get(client, vuser, "volunteers:corrections").status_code == 403
    client.force_login(leader)
    assert "实际服务到更晚" in client.get(reverse("volunteers:corrections")).content.decode()
    client.post(reverse("volunteers:corrections"), {"correction": correction.pk, "action": "accept"})
    record.refresh_from_db()
    correction.refresh_from_db()
    assert correction.status == correction.Status.ACCEPTED
    assert record.state == ServiceRecord.State.PENDING
    assert record.hours > 2  # the proposed later end, to the minute


def test_full_id_numbers_never_appear_on_the_pages(client, vuser, leader, street_coordinator, team, profile):
    activity = factories.activity(team=team)
    client.force_login(vuser)
    client.post(reverse("volunteers:activity_signup", args=[activity.pk]))
    _record(profile, team=team)
    full = profile.person.id_number
    pages = [
        (vuser, "volunteers:me", ()),
        (vuser, "volunteers:my_hours", ()),
        (leader, "volunteers:activity_signin", (activity.pk,)),
        (leader, "volunteers:records_pending", ()),
        (street_coordinator, "volunteers:roster", ()),
        (street_coordinator, "volunteers:street_home", ()),
    ]
    for user, name, args in pages:
        page = _get(client, user, name, *args).content.decode()
        assert full not in page, name
        assert profile.person.id_number_masked in page or name != "volunteers:me", name


def test_dashboard_query_count_is_flat(
    client, district_admin, street, community, street_coordinator, profile, team
):
    client.force_login(district_admin)
    url = reverse("volunteers:district_dashboard")
    small = _count_queries(client, url)
    for _n in range(8):
        other = factories.approved_volunteer(street=street, community=community, approver=street_coordinator)
        _record(other, team=team)
    assert _count_queries(client, url) == small

"""Self-approval of volunteer hours is impossible by every path: the service, the leader's page
(also a crafted POST mixing one's own record into a bulk), the API, the Wagtail admin, and the
database itself (check constraint ``decided_by <> volunteer_user``)."""

import datetime
import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import services as portal_services
from portal.errors import PermissionDenied
from portal.models import Role
from portal.tests.factories import resident_id_number
from tests.guard_world import module_fixture
from training.tests.factories import channel
from volunteers import services
from volunteers.models import Activity, ServiceRecord, VolunteerProfile

pytestmark = pytest.mark.django_db
guard_world = module_fixture()


@pytest.fixture
def leader_record(guard_world):
    """The own side's team leader is also a volunteer with a pending record of their own team."""
    side = guard_world.own
    leader = side.staff[Role.TEAM_LEADER]
    portal_services.user_set_phone(user=leader, phone="13611190004", verified=True)
    profile = services.volunteer_register(
        user=leader,
        street=side.street,
        community=side.community,
        name="队长本人",
        id_number=resident_id_number(birth=datetime.date(1980, 1, 1), sequence=733),
        emergency_contact_name="家属",
        emergency_contact_phone="13611190005",
        notice_consent=True,
        id_consent=True,
        skills=[],
        availability=[],
    )
    services.volunteer_approve(profile=profile, by=side.staff[Role.STREET_COORDINATOR])
    start = timezone.now() + datetime.timedelta(days=1)
    activity = services.activity_publish(
        team=side.team,
        by=None,
        title="队长参加的活动",
        activity_type="publicity",
        channel=channel(),
        area=side.street,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=5,
    )
    services.signup_create(user=leader, activity=activity)
    past = timezone.now() - datetime.timedelta(hours=3)
    Activity.objects.filter(pk=activity.pk).update(starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    activity.refresh_from_db()
    record = services.service_record_declare(
        user=leader, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    return leader, record


def _state(record) -> str:
    return ServiceRecord.objects.get(pk=record.pk).state


def test_service_refuses_own_record(leader_record):
    leader, record = leader_record
    with pytest.raises(PermissionDenied) as exc:
        services.service_record_approve(records=[record], by=leader)
    assert exc.value.code == "self_approval"
    with pytest.raises(PermissionDenied) as exc:
        services.service_record_decline(records=[record], by=leader, reason="x")
    assert exc.value.code == "self_approval"
    assert _state(record) == ServiceRecord.State.PENDING


def test_leaders_page_never_lists_own_record_and_refuses_a_crafted_post(guard_world, leader_record):
    """The page hides the record; a crafted POST naming it with another (legitimate) record
    approves nothing at all (all or nothing)."""
    leader, record = leader_record
    client = Client()
    client.force_login(leader)
    page = client.get(reverse("volunteers:records_pending"))
    assert f'value="{record.pk}"' not in page.content.decode()
    other = guard_world.own.record
    response = client.post(
        reverse("volunteers:records_pending"),
        {"record": [record.pk, other.pk], "action": "approve"},
        follow=True,
    )
    assert _state(record) == ServiceRecord.State.PENDING
    assert _state(other) == ServiceRecord.State.PENDING
    assert "不能审核自己的服务时长" in response.content.decode()


def test_api_refuses_own_record(leader_record):
    leader, record = leader_record
    token = portal_services.api_token_issue(user=leader)
    response = Client().post(
        f"/api/v1/volunteers/service-records/{record.pk}/approve",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "self_approval"
    assert _state(record) == ServiceRecord.State.PENDING


def test_wagtail_admin_refuses_own_record(guard_world, leader_record):
    """Even a district admin who is the record's volunteer cannot approve it in the admin."""
    _leader, record = leader_record
    admin = guard_world.own.staff[Role.DISTRICT_ADMIN]
    ServiceRecord.objects.filter(pk=record.pk).update(volunteer_user=admin)
    VolunteerProfile.objects.filter(pk=record.volunteer_id).update(user=admin)
    client = Client()
    client.force_login(admin)
    url = reverse("wagtailsnippets_volunteers_servicerecord:edit", args=[record.pk])
    response = client.post(url, {"state": "approved", "decision_reason": ""})
    assert response.status_code == 200  # the form again, with the error
    assert _state(record) == ServiceRecord.State.PENDING


def test_database_refuses_a_record_decided_by_its_volunteer(leader_record):
    """The last line: a write that bypasses the services still cannot store a self-approval."""
    leader, record = leader_record
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(pk=record.pk).update(
            state=ServiceRecord.State.APPROVED, decided_by=leader, decided_at=timezone.now()
        )


def test_correction_of_own_record_cannot_be_decided_by_oneself(leader_record):
    leader, record = leader_record
    correction = services.correction_request(
        user=leader,
        record=record,
        proposed_started_at=record.started_at,
        proposed_ended_at=record.ended_at - datetime.timedelta(minutes=30),
        reason="少算了",
    )
    with pytest.raises(PermissionDenied) as exc:
        services.correction_decide(correction=correction, by=leader, accept=True)
    assert exc.value.code == "self_approval"


def test_leader_cannot_sign_themselves_in_with_their_own_scanner(guard_world, leader_record):
    leader, record = leader_record
    profile = VolunteerProfile.objects.get(user=leader)
    code = services.volunteer_qr_code(profile=profile)
    client = Client()
    client.force_login(leader)
    response = client.post(
        reverse("volunteers:activity_signin", args=[record.activity_id]),
        {"code": code},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "self_approval"

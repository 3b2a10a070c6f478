import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from portal import services as portal_services
from volunteers import services
from volunteers.models import ServiceRecord
from volunteers.tests import factories

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {portal_services.api_token_issue(user=user)}"}


def _past_signed_up(team, user, hours=3):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    with time_machine.travel(start - datetime.timedelta(days=1), tick=False):
        activity = factories.activity(team=team, start=start, hours=hours)
        services.signup_create(user=user, activity=activity)
    return activity


def test_activities_list_shows_seats_left_and_no_personal_data(client, team, vuser, profile):
    activity = factories.activity(team=team, capacity=3)
    services.signup_create(user=vuser, activity=activity)

    response = client.get("/api/v1/volunteers/activities")
    assert response.status_code == 200
    [row] = response.json()
    assert (row["id"], row["seats_left"], row["capacity"]) == (activity.pk, 2, 3)
    assert profile.person.name not in response.content.decode()


def test_sign_up_through_the_api(client, team, vuser):
    activity = factories.activity(team=team, capacity=1)
    response = client.post(f"/api/v1/volunteers/activities/{activity.pk}/signups", **_bearer(vuser))
    assert response.status_code == 201 and response.json()["status"] == "signed_up"
    again = client.post(f"/api/v1/volunteers/activities/{activity.pk}/signups", **_bearer(vuser))
    assert again.status_code == 400 and again.json()["code"] == "ALREADY_SIGNED_UP"


def test_declare_then_my_records(client, team, vuser):
    activity = _past_signed_up(team, vuser)
    body = {
        "activity": activity.pk,
        "started_at": activity.starts_at.isoformat(),
        "ended_at": (activity.starts_at + datetime.timedelta(hours=2)).isoformat(),
        "note": "讲解灭火器",
    }
    response = client.post(
        "/api/v1/volunteers/service-records",
        json.dumps(body),
        content_type="application/json",
        **_bearer(vuser),
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "pending" and response.json()["hours"] in ("2.00", 2.0, "2")

    mine = client.get("/api/v1/volunteers/me/service-records", **_bearer(vuser)).json()
    assert (
        len(mine["records"]) == 1
        and float(mine["pending_hours"]) == 2.0
        and float(mine["approved_hours"]) == 0
    )


def test_api_self_approval_is_403_self_approval(client, team, leader, street, street_coordinator):
    own = factories.approved_volunteer(street=street, approver=street_coordinator)
    services.team_join_by_code(user=own.user, code=team.join_code)
    services.team_add_leader(team=team, user=own.user, by=street_coordinator)  # a volunteer who also leads
    activity = _past_signed_up(team, own.user)
    record = services.service_record_declare(
        user=own.user, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )

    response = client.post(f"/api/v1/volunteers/service-records/{record.pk}/approve", **_bearer(own.user))
    assert response.status_code == 403 and response.json()["code"] == "self_approval"
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.PENDING

    ok = client.post(f"/api/v1/volunteers/service-records/{record.pk}/approve", **_bearer(leader))
    assert ok.status_code == 200 and ok.json()["state"] == "approved"


def test_api_outside_ones_area_is_refused(client, team, vuser, other_street_coordinator, street_coordinator):
    activity = _past_signed_up(team, vuser)
    record = services.service_record_declare(
        user=vuser, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    response = client.post(
        f"/api/v1/volunteers/service-records/{record.pk}/decline",
        json.dumps({"reason": "不对"}),
        content_type="application/json",
        **_bearer(other_street_coordinator),
    )
    assert response.status_code in (403, 404) and response.json()["code"] == "NOT_IN_YOUR_AREA"
    ok = client.post(
        f"/api/v1/volunteers/service-records/{record.pk}/decline",
        json.dumps({"reason": "时间不符"}),
        content_type="application/json",
        **_bearer(street_coordinator),
    )
    assert ok.status_code == 200 and ok.json()["state"] == "declined"


def test_volunteer_cannot_approve_a_team_mates_record(client, team, vuser, street, street_coordinator):
    mate = factories.approved_volunteer(street=street, approver=street_coordinator)
    services.team_join_by_code(user=mate.user, code=team.join_code)
    activity = _past_signed_up(team, mate.user)
    record = services.service_record_declare(
        user=mate.user, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    response = client.post(f"/api/v1/volunteers/service-records/{record.pk}/approve", **_bearer(vuser))
    assert response.status_code == 403


def test_api_answers_never_carry_the_id_number(client, team, vuser, profile):
    activity = _past_signed_up(team, vuser)
    services.service_record_declare(
        user=vuser, activity=activity, started_at=activity.starts_at, ended_at=activity.ends_at
    )
    text = client.get("/api/v1/volunteers/me/service-records", **_bearer(vuser)).content.decode()
    assert profile.person.id_number not in text
    assert profile.person.id_number[6:14] not in text  # not even the birth date part


def test_openapi_documents_the_volunteer_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/volunteers/activities",
        "/api/v1/volunteers/activities/{activity_id}/signups",
        "/api/v1/volunteers/me/service-records",
        "/api/v1/volunteers/service-records",
        "/api/v1/volunteers/service-records/{record_id}/approve",
        "/api/v1/volunteers/service-records/{record_id}/decline",
    ):
        assert path in paths

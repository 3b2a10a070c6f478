"""The training API: status codes and error codes, area scoping, query counts."""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import services as portal_services
from portal.models import Role
from portal.tests.factories import OrganisationFactory, resident_id_number
from training import services
from training.models import Booking
from training.tests import factories


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {portal_services.api_token_issue(user=user)}"}


def _post(client, url, user, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **_auth(user))


def test_sessions_list_shows_seats_left_and_items(client, session):
    factories.BookingFactory(session=session)
    (row,) = [s for s in client.get("/api/v1/training/sessions").json() if s["id"] == session.pk]
    assert row["seats_left"] == 2 and row["venue"] == session.venue_id
    assert sorted(row["items"]) == ["extinguisher", "hydrant"]


def test_sessions_list_query_count_is_flat(client, venue):
    sizes = []
    for n in (1, 8):
        for _ in range(n):
            factories.BookingFactory(session=factories.SessionFactory(venue=venue))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/training/sessions").status_code == 200
        sizes.append(len(queries))
    assert sizes[0] == sizes[1]


def test_venues_and_session_create_rights(client, venue, trainer, other_trainer, trainee_user):
    factories.channel()
    assert client.get("/api/v1/training/venues").status_code == 200
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    body = {
        "venue": venue.pk,
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=2)).isoformat(),
    }
    created = _post(client, "/api/v1/training/sessions", trainer, body)
    assert created.status_code == 201 and created.json()["seats_left"] == venue.capacity
    assert _post(client, "/api/v1/training/sessions", other_trainer, body).json()["code"] == "not_allowed"
    assert _post(client, "/api/v1/training/sessions", trainee_user, body).status_code == 403


def test_empty_body_books_the_caller_and_full_is_409(client, session, trainee_user):
    response = _post(client, f"/api/v1/training/sessions/{session.pk}/bookings", trainee_user)
    assert response.status_code == 201 and response.json()["checkin_code"]
    factories.BookingFactory(session=session)
    factories.BookingFactory(session=session)
    again = _post(client, f"/api/v1/training/sessions/{session.pk}/bookings", trainee_user)
    assert again.status_code == 400 and again.json()["code"] == "already_booked"
    manager = _manager(session)
    person = {"name": "钱多多", "phone": "13700001111", "id_number": _id(1), "category": 5}
    full = _post(client, f"/api/v1/training/sessions/{session.pk}/bookings", manager, {"person": person})
    assert full.status_code == 409 and full.json()["code"] == "session_full"


def _manager(session):
    from portal.tests.factories import UserFactory

    user = UserFactory()
    portal_services.role_assign(user=user, role=Role.UNIT_MANAGER, area=session.area)
    OrganisationFactory(area=session.area).managers.add(user)
    return user


def _id(n):
    return resident_id_number(birth=datetime.date(1985, 2, n), sequence=300 + n)


def test_unit_manager_books_a_person_and_bad_id_is_400(client, session):
    manager = _manager(session)
    url = f"/api/v1/training/sessions/{session.pk}/bookings"
    ok = _post(
        client,
        url,
        manager,
        {"person": {"name": "钱多多", "phone": "13700001111", "id_number": _id(2), "category": 5}},
    )
    assert ok.status_code == 201
    booking = Booking.objects.get(pk=ok.json()["id"])
    assert booking.category == 5 and booking.booked_by == manager
    bad = _post(
        client, url, manager, {"person": {"name": "孙", "id_number": "110102198502021234", "category": 5}}
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_person"


def test_checkin_endpoint_results_and_nonce(client, session, trainer, trainee_user):
    booking = services.booking_create(session=session, user=trainee_user)
    code = services.booking_checkin_code(booking=booking)
    first = _post(client, "/api/v1/checkin", trainer, {"code": code, "nonce": "api-1"})
    assert first.status_code == 200 and first.json()["result"] == "ok"
    assert _post(client, "/api/v1/checkin", trainer, {"code": code, "nonce": "api-1"}).json() == first.json()
    second = _post(client, "/api/v1/checkin", trainer, {"code": code, "nonce": "api-2"}).json()
    assert second["result"] == "already_checked_in" and second["time"] == first.json()["time"]
    assert _post(client, "/api/v1/checkin", trainer, {"code": "x.y.z", "nonce": "api-3"}).json()[
        "result"
    ] == ("invalid_code")
    assert _post(client, "/api/v1/checkin", trainee_user, {"code": code, "nonce": "api-4"}).status_code == 403


def test_assessment_close_and_booking_detail(
    client, session, trainer, trainee_user, other_trainer, private_media, django_capture_on_commit_callbacks
):
    booking = services.booking_create(session=session, user=trainee_user)
    _post(
        client,
        "/api/v1/checkin",
        trainer,
        {"code": services.booking_checkin_code(booking=booking), "nonce": "c"},
    )
    url = f"/api/v1/training/bookings/{booking.pk}/assessment"
    assert _post(client, url, other_trainer, {"items": {"extinguisher": "pass"}}).status_code == 404
    bad = _post(client, url, trainer, {"items": {"ladder": "pass"}})
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_item"
    ok = _post(client, url, trainer, {"items": {"extinguisher": "pass", "hydrant": "pass"}})
    assert ok.status_code == 200 and len(ok.json()["items"]) == 2
    close_url = f"/api/v1/training/sessions/{session.pk}/close"
    assert _post(client, close_url, trainer).json()["code"] == "session_not_started"
    with (
        time_machine.travel(session.starts_at + datetime.timedelta(minutes=100)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert _post(client, close_url, trainer).json()["status"] == "closed"
    detail = client.get(f"/api/v1/training/bookings/{booking.pk}", **_auth(trainee_user)).json()
    assert detail["status"] == "attended" and detail["passed"] is True
    assert detail["certificate_number"].startswith("XC-PX-")
    assert client.get(f"/api/v1/training/bookings/{booking.pk}", **_auth(other_trainer)).status_code == 404
    assert client.get(f"/api/v1/training/bookings/{booking.pk}", **_auth(trainer)).status_code == 200


@pytest.mark.parametrize("who", ["other_trainer", "outsider"])
def test_booking_detail_denied_to_other_street_and_strangers(client, session, who, other_trainer, make_user):
    booking = factories.BookingFactory(session=session)
    user = other_trainer if who == "other_trainer" else make_user(Role.RESIDENT)
    assert client.get(f"/api/v1/training/bookings/{booking.pk}", **_auth(user)).status_code == 404

"""Query budgets of `make bench`'s training endpoints (issue 8, QUALITY.md P9): the same number of
queries whatever the data size — check-in redeem and self booking through the API, and the unit
compliance view."""

import json
import secrets

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal import services as portal_services
from portal.models import Role
from portal.tests.factories import OrganisationFactory
from training import services
from training.models import Booking, TraineeProfile
from training.tests import factories


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {portal_services.api_token_issue(user=user)}"}


def _post(client, url, headers, body):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_checkin_api_queries_do_not_grow_with_bookings(client, session, trainer):
    session.capacity = 200
    session.save()
    headers = _auth(trainer)

    def redeem():
        booking = factories.BookingFactory(session=session)
        code = services.booking_checkin_code(booking=booking)
        with CaptureQueriesContext(connection) as queries:
            response = _post(
                client,
                "/api/v1/checkin",
                headers,
                {"code": code, "nonce": secrets.token_hex(8), "session": session.pk},
            )
        assert response.status_code == 200 and response.json()["result"] == "ok", response.content
        return len(queries)

    redeem()  # caches (content types, role groups) filled once
    counts = []
    for size in (2, 60):
        for _ in range(size):
            factories.BookingFactory(session=session)
        counts.append(redeem())
    assert counts[0] == counts[1]
    assert counts[0] <= 14


def test_self_booking_api_queries_do_not_grow_with_bookings(client, session, make_user):
    session.capacity = 200
    session.save()

    def book():
        user = make_user(Role.RESIDENT, None)
        person = factories.PersonFactory(user=user)
        TraineeProfile.objects.create(person=person, category=4)
        headers = _auth(user)
        with CaptureQueriesContext(connection) as queries:
            response = _post(client, f"/api/v1/training/sessions/{session.pk}/bookings", headers, {})
        assert response.status_code == 201, response.content
        return len(queries)

    book()
    counts = []
    for size in (2, 60):
        for _ in range(size):
            factories.BookingFactory(session=session)
        counts.append(book())
    assert counts[0] == counts[1]
    assert counts[0] <= 20


def test_unit_compliance_view_queries_do_not_grow_with_staff(client, make_user, street, session):
    manager = make_user(Role.UNIT_MANAGER, street)
    unit = OrganisationFactory(area=street)
    unit.managers.add(manager)
    client.force_login(manager)

    def view():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/training/unit/")
        assert response.status_code == 200
        return len(queries), response

    view()
    counts = []
    for size in (2, 40):
        for i in range(size):
            person = factories.PersonFactory(organisation=unit)
            attended = {"status": Booking.Status.ATTENDED, "checked_in_at": timezone.now()} if i % 2 else {}
            factories.BookingFactory(session=session, person=person, organisation=unit, **attended)
        n, response = view()
        assert response.context["staff_total"] == Booking.objects.filter(organisation=unit).count()
        counts.append(n)
    assert counts[0] == counts[1]

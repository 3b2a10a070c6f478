import datetime

import pytest
from django.utils import timezone

from volunteers import services
from volunteers.models import ServiceRecord, VolunteerProfile
from volunteers.tests import factories

pytestmark = pytest.mark.django_db

EDIT = "/admin/snippets/volunteers/servicerecord/edit/{}/"


def _record_of(profile, team):
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=3)
    activity = factories.activity(team=team, start=start, hours=2)
    return services._record_create(
        profile=profile,
        started_at=start,
        ended_at=activity.ends_at,
        origin="group",
        title="巡查",
        area=team.area,
        activity=activity,
    )


@pytest.fixture
def coordinator_volunteer(street, street_coordinator, district_admin):
    """The street coordinator is also a registered volunteer of their own street."""
    services_user = street_coordinator
    from portal import services as portal_services

    portal_services.user_set_phone(user=services_user, phone="13911112222", verified=True)
    profile = factories.register(street=street, user=services_user)
    return services.volunteer_approve(profile=profile, by=district_admin)


def test_admin_refuses_self_approval(client, coordinator_volunteer, street_coordinator, team):
    record = _record_of(coordinator_volunteer, team)
    client.force_login(street_coordinator)

    page = client.get(EDIT.format(record.pk))
    assert page.status_code == 200
    response = client.post(EDIT.format(record.pk), {"state": "approved", "decision_reason": ""})

    assert response.status_code == 200  # the form again, with the error
    assert response.context["form"].non_field_errors() == [
        "You cannot approve or decline your own service hours."
    ] or (list(response.context["form"].errors) == ["__all__"])
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.PENDING
    assert record.decided_by is None


def test_admin_approval_by_someone_else_goes_through_the_service(
    client, coordinator_volunteer, district_admin, team
):
    record = _record_of(coordinator_volunteer, team)
    client.force_login(district_admin)
    response = client.post(EDIT.format(record.pk), {"state": "approved", "decision_reason": ""})

    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.state, record.decided_by) == ("approved", district_admin)
    assert VolunteerProfile.objects.get(pk=coordinator_volunteer.pk).approved_hours == record.hours


def test_admin_listing_is_scoped_and_masked(
    client, street, other_street, street_coordinator, other_street_coordinator
):
    mine = factories.approved_volunteer(street=street, approver=street_coordinator, name="甲本街")
    factories.approved_volunteer(street=other_street, approver=other_street_coordinator, name="乙外街")
    client.force_login(street_coordinator)
    html = client.get("/admin/snippets/volunteers/volunteerprofile/").content.decode()

    assert "甲本街" in html and "乙外街" not in html
    assert mine.person.id_number_masked in html and mine.person.id_number not in html
    other = VolunteerProfile.objects.exclude(pk=mine.pk).get()
    assert client.get(f"/admin/snippets/volunteers/volunteerprofile/edit/{other.pk}/").status_code == 404

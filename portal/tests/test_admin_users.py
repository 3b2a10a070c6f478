"""The Wagtail user admin: a district admin manages accounts of their own district and can never
make anyone an administrator (superuser)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _edit_url(user) -> str:
    return reverse("wagtailusers_users:edit", args=[user.pk])


def test_listing_shows_only_accounts_of_the_admins_district(
    client, district_admin, street_coordinator, other_district_coordinator, superuser
):
    client.force_login(district_admin)
    response = client.get(reverse("wagtailusers_users:index"))
    assert response.status_code == 200
    listed = {user.pk for user in response.context["object_list"]}
    assert street_coordinator.pk in listed
    assert other_district_coordinator.pk not in listed
    assert superuser.pk not in listed


def test_district_admin_cannot_tick_administrator(client, district_admin, street_coordinator):
    client.force_login(district_admin)
    form_page = client.get(_edit_url(street_coordinator))
    assert form_page.status_code == 200
    assert "is_superuser" not in form_page.context["form"].fields

    data = {
        "username": street_coordinator.username,
        "email": "coordinator@example.org",
        "first_name": "",
        "last_name": "",
        "is_active": "on",
        "is_superuser": "on",
        "groups": [group.pk for group in street_coordinator.groups.all()],
        "password1": "",
        "password2": "",
    }
    client.post(_edit_url(street_coordinator), data)
    street_coordinator.refresh_from_db()
    assert street_coordinator.is_superuser is False


@pytest.mark.parametrize("target", ["other_district_coordinator", "superuser"])
def test_other_districts_and_superusers_cannot_be_opened(client, district_admin, target, request):
    account = request.getfixturevalue(target)
    client.force_login(district_admin)
    assert client.get(_edit_url(account)).status_code == 404
    assert client.post(reverse("wagtailusers_users:delete", args=[account.pk])).status_code == 404
    account.refresh_from_db()


def test_a_superuser_still_manages_everyone(client, superuser, other_district_coordinator):
    client.force_login(superuser)
    response = client.get(_edit_url(other_district_coordinator))
    assert response.status_code == 200
    assert "is_superuser" in response.context["form"].fields

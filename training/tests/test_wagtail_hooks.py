"""The admin listings of training are scoped by area like the kernel's."""

from django.urls import reverse

from training.models import Venue
from training.tests import factories


def test_venue_listing_shows_only_the_users_area(client, street, other_street, trainer):
    factories.VenueFactory(area=street, name="本街道小型站")
    factories.VenueFactory(area=other_street, name="外街道小型站")
    client.force_login(trainer)
    response = client.get(reverse(f"wagtailsnippets_training_{Venue._meta.model_name}:list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "本街道小型站" in page and "外街道小型站" not in page


def test_sessions_cannot_be_added_in_the_admin(client, trainer, district_admin):
    client.force_login(district_admin)
    response = client.get(reverse("wagtailsnippets_training_session:add"))
    assert response.status_code in (302, 403)

"""Training fixtures: the kernel's areas and users, a venue and a session in 金融街街道, its trainer."""

import pytest

from portal.models import Role
from portal.tests.conftest import *  # noqa: F403 — the kernel's areas, users and eager Celery
from training.tests import factories


@pytest.fixture
def trainer(make_user, street):
    return make_user(Role.TRAINER, street, display_name="周教员")


@pytest.fixture
def other_trainer(make_user, other_street):
    return make_user(Role.TRAINER, other_street)


@pytest.fixture
def venue(street):
    return factories.VenueFactory(area=street, name="金融街街道小型消防站")


@pytest.fixture
def session(venue):
    return factories.SessionFactory(venue=venue, capacity=3)


@pytest.fixture
def trainee_user(make_user, street):
    """A resident with a Person and a remembered category (empty-body booking works)."""
    from training.models import TraineeProfile

    user = make_user(Role.RESIDENT, None)
    person = factories.PersonFactory(user=user, name="王小明", phone="13912345678")
    TraineeProfile.objects.create(person=person, category=4)
    return user

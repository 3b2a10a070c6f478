"""Volunteers fixtures: the kernel's area tree and staff (portal/tests/conftest.py), plus a team
with a leader in 金融街街道 and an approved volunteer in it."""

import pytest

from portal.models import Role
from portal.tests.conftest import *  # noqa: F403 — the kernel's areas, users and eager Celery
from volunteers import services
from volunteers.tests import factories


@pytest.fixture
def leader(make_user, street):
    return make_user(Role.TEAM_LEADER, street)


@pytest.fixture
def team(street, leader):
    return factories.team(area=street, leaders=[leader], name="金融街消防志愿服务队")


@pytest.fixture
def profile(street, community, street_coordinator, team):
    """An approved adult volunteer of 丰盛社区, member of ``team``."""
    profile = factories.approved_volunteer(street=street, community=community, approver=street_coordinator)
    services.team_join_by_code(user=profile.user, code=team.join_code)
    return profile


@pytest.fixture
def vuser(profile):
    return profile.user

import time

import pytest
from django.contrib.auth import get_user_model

from volunteers import selectors
from volunteers.demo import seed
from volunteers.models import CertificateSetting, RoleModel, ServiceRecord, StarNotice, Team, VolunteerProfile

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(m.objects.count() for m in (Team, VolunteerProfile, ServiceRecord, RoleModel, StarNotice))


def test_demo_is_quick_idempotent_and_gives_the_demo_users_their_story(settings):
    from portal.demo import seed_kernel

    seed_kernel()
    started = time.monotonic()
    seed()
    elapsed = time.monotonic() - started
    first = _counts()
    seed()
    assert _counts() == first
    assert elapsed < 10

    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["volunteer", "team_leader"])
    }
    profile = VolunteerProfile.objects.get(user=users["volunteer"])
    team = Team.objects.get(name="金融街消防志愿服务队")
    assert team.leaders.filter(pk=users["team_leader"].pk).exists()
    assert team.memberships.filter(volunteer=profile, status="active").exists()
    pending = selectors.pending_records_for(user=users["team_leader"]).filter(volunteer=profile)
    assert pending.count() >= 2
    states = set(ServiceRecord.objects.values_list("state", flat=True))
    assert states == {"pending", "approved", "declined"}
    assert VolunteerProfile.objects.filter(status="approved").count() >= 300
    assert RoleModel.objects.filter(status="selected").count() >= 5
    assert VolunteerProfile.objects.filter(star_level__gte=1).exists()
    assert not CertificateSetting.objects.filter(seal_image__isnull=True).exists()  # demo seals

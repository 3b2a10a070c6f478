"""Query budgets of `make bench`'s public endpoints (issue 8, QUALITY.md P9) with nothing cached:
the targets JSON and the home page ask the same number of queries with more volunteers behind
the figures."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import Area
from portal.tests.factories import PersonFactory
from volunteers.models import VolunteerProfile

pytestmark = pytest.mark.django_db


def _uncached(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _more_volunteers(n: int) -> None:
    district = Area.objects.get(code="xc")
    model = VolunteerProfile.objects.filter(
        district=district, status=VolunteerProfile.Status.APPROVED
    ).first()
    for i in range(n):
        clone = VolunteerProfile.objects.get(pk=model.pk)
        clone.pk = clone.id = None
        clone.person = PersonFactory(area=model.area)
        clone.user = None
        clone.number = f"XC-PERF-{i:04d}"
        clone.save()


@pytest.mark.parametrize("url", ["/api/v1/stats/targets?district=xc", "/"])
def test_uncached_queries_do_not_grow_with_volunteers(client, seed_output, url):
    _uncached(client, url)  # content types and site root paths cached once per process
    before = _uncached(client, url)

    _more_volunteers(40)

    assert _uncached(client, url) == before

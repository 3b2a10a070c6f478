"""Schemathesis over the OpenAPI schema of /api/v1: no generated request makes a server error.

The schema is django-ninja's own (the one /api/v1/openapi.json serves); every operation is called
in-process through the WSGI application (no server, no network) with generated path, query and
body values, a few examples each, as a district administrator and as a volunteer, each holding a
real API token (so the calls get past authentication into the code), on the guard tests' world
(tests/guard_world.py).
Check: ``not_a_server_error`` (any 5xx, or an exception, fails with the reproducing request).
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from portal.api import api
from portal.models import Role
from tests.guard_world import module_fixture

pytestmark = pytest.mark.django_db

guard_world = module_fixture()
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
APP = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The raw WSGI application closes "obsolete" connections at the end of each request, and a
    connection inside the test's transaction looks obsolete (PostgreSQL's CONN_MAX_AGE): unhook it
    for these calls, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", params=[Role.DISTRICT_ADMIN, Role.VOLUNTEER])
def token(request, guard_world, django_db_blocker) -> str:
    """A staff member's token (area-scoped endpoints) and a volunteer's (the "me" endpoints)."""
    from portal.services import api_token_issue

    with django_db_blocker.unblock():
        return api_token_issue(user=guard_world.users[request.param], name="schemathesis")


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_with_a_server_error(case, token):
    """Every operation, generated inputs, an authenticated caller: never a 5xx."""
    response = case.call(app=APP, headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error])


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/volunteers/activities?limit=-5&offset=-3",
        "/api/v1/training/sessions?limit=-1&offset=-10",
        "/api/v1/training/sessions?offset=99999999999999999999",
        "/api/v1/stats/targets?district=%C3%9F%C2%83%17",
        "/api/v1/stats/targets?year=-1",
    ],
)
def test_api_regressions_found_by_the_fuzzer(client, guard_world, url):
    """Negative or huge paging and a district code or year that cannot exist are answered
    (200, or 422 for a value the schema refuses), never a server error."""
    assert client.get(url).status_code in (200, 422)

"""CSRF on every state-changing view, generated from the URL configuration: a POST without a token
from a logged-in browser is refused by every view of ours (pages, our admin and snippet views);
the API refuses session-authenticated writes without the token and accepts bearer tokens."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from portal import services as portal_services
from tests import guard_matrix
from tests.guard_world import module_fixture
from tests.test_guard_matrix import our_urls

# Database-independent and slow: bin/test runs it in the SQLite run only (root conftest.py).
pytestmark = [pytest.mark.once, pytest.mark.django_db]
guard_world = module_fixture(courses=True)

DUMMY = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def concrete(route: str, *, api: bool = False) -> str:
    """A URL for the route with a dummy value in every parameter (CSRF is checked before the view;
    the API's ids are typed by the function, so they get a number)."""
    url = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if api else DUMMY.get(m.group(1) or "str", "x"), route)
    return "/" + url.replace("^", "").replace("$", "")


def _routes(*, api: bool) -> list[tuple[str, str]]:
    return sorted(
        {
            (name or route, concrete(route, api=api))
            for route, name, _module in our_urls()
            if bool(name and name.startswith("api:")) == api
        }
    )


def _is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


@pytest.mark.parametrize(("name", "url"), _routes(api=False), ids=lambda v: v if "/" not in v else "")
def test_every_view_of_ours_refuses_a_post_without_csrf_token(guard_world, name, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(guard_world.users["superuser"])
    response = client.post(url, {"anything": "1"})
    assert _is_csrf_refusal(response), f"{name} {url}: {response.status_code}"


WRITES = [
    (name, url)
    for name, url in _routes(api=True)
    if name
    not in {
        # Reads only (GET): nothing to forge.
        "api:openapi-json",
        "api:openapi-view",
        "api:api-root",
        "api:certificate_get",
        "api:me",
        "api:areas",
        "api:targets",
        "api:activities",
        "api:quizzes",
        "api:courses",
        "api:sessions",
        "api:venues",
        "api:my_records",
        "api:my_progress",
        "api:attempt_get",
        "api:booking_detail",
    }
]


@pytest.mark.parametrize(("name", "url"), WRITES, ids=lambda v: v if "/" not in v else "")
def test_api_refuses_session_writes_without_csrf_token(guard_world, name, url):
    """A logged-in browser's cookie alone cannot write through the API (another site could send it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(guard_world.users["superuser"])
    row = next((r for r in guard_matrix.ROWS if r.name == name), None)
    body = "{}"
    if row is not None:  # a real record and a valid body, so only the token is missing
        url = reverse(name, kwargs=row.kwargs(guard_world, "own") if row.kwargs else {})
        data = row.data(guard_world, "own") if callable(row.data) else (row.data or {})
        body = json.dumps(data)
    for method in ("post", "delete"):
        response = getattr(client, method)(url, body, content_type="application/json")
        refused = response.status_code in (401, 403, 405) or (
            response.status_code == 400 and response.json().get("code") == "CSRF_FAILED"
        )
        assert refused, f"{method} {name} {url}: {response.status_code} {response.content[:200]}"


def test_api_accepts_bearer_token_without_csrf(guard_world):
    token = portal_services.api_token_issue(user=guard_world.users["plain"])
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post("/api/v1/courses/me/attach", "{}", content_type="application/json")
    assert response.status_code not in (401, 403)


def test_generated_lists_are_not_empty():
    assert len(_routes(api=False)) > 100
    assert len(WRITES) >= 12

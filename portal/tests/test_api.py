from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from portal import crypto, services
from portal.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_with_phone(street_coordinator):
    services.user_set_phone(user=street_coordinator, phone="13800138000", verified=True)
    return street_coordinator


@pytest.fixture
def token(coordinator_with_phone) -> str:
    out = StringIO()
    call_command("issue_api_token", coordinator_with_phone.username, "--name", "扫码终端", stdout=out)
    return out.getvalue().strip()


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# ------------------------------------------------------------------------------
# Tokens
# ------------------------------------------------------------------------------
def test_issue_api_token_prints_a_token_and_stores_only_its_hash(token, coordinator_with_phone):
    stored = ApiToken.objects.get()

    assert len(token) >= 40
    assert stored.user == coordinator_with_phone
    assert stored.name == "扫码终端"
    assert stored.key_hash == crypto.keyed_hash(token)
    assert stored.prefix == token[:8]
    assert token not in {stored.key_hash, stored.prefix}


def test_issue_api_token_for_an_unknown_user_fails():
    with pytest.raises(CommandError, match="nobody"):
        call_command("issue_api_token", "nobody", stdout=StringIO())


def test_me_with_a_bearer_token(client, token, coordinator_with_phone):
    response = client.get("/api/v1/me", **_bearer(token))

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == coordinator_with_phone.username
    assert body["roles"] == ["street_coordinator"]
    assert body["area"] == "金融街街道"
    assert body["phone"] == "138****8000"
    assert "13800138000" not in response.content.decode()
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Token abc", ""])
def test_me_with_a_bad_token_is_401(client, token, header):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert "username" not in response.json()


def test_revoked_token_is_401(client, token):
    from django.utils import timezone

    ApiToken.objects.update(revoked_at=timezone.now())

    assert client.get("/api/v1/me", **_bearer(token)).status_code == 401


def test_token_of_a_deactivated_user_is_401(client, token, coordinator_with_phone):
    coordinator_with_phone.is_active = False
    coordinator_with_phone.save()

    assert client.get("/api/v1/me", **_bearer(token)).status_code == 401


def test_me_with_a_browser_session(client, coordinator_with_phone):
    client.force_login(coordinator_with_phone)

    response = client.get("/api/v1/me")

    assert response.status_code == 200
    assert response.json()["phone"] == "138****8000"


def test_me_anonymous_is_401(client):
    assert client.get("/api/v1/me").status_code == 401


# ------------------------------------------------------------------------------
# Areas
# ------------------------------------------------------------------------------
def test_areas_are_scoped_to_the_caller(client, token, community, other_street, other_district_street):
    response = client.get("/api/v1/areas", **_bearer(token))

    assert response.status_code == 200
    names = {area["name"] for area in response.json()}
    assert names == {"金融街街道", "丰盛社区"}
    community_row = next(area for area in response.json() if area["name"] == "丰盛社区")
    assert community_row["level"] == "community"
    assert community_row["parent_id"] == community.parent_id


def test_district_admin_gets_the_district(
    client, district_admin, community, other_street, other_district_street
):
    client.force_login(district_admin)

    names = {area["name"] for area in client.get("/api/v1/areas").json()}

    assert names == {"西城区", "金融街街道", "丰盛社区", "什刹海街道"}


def test_resident_gets_no_areas(client, resident, community):
    client.force_login(resident)

    response = client.get("/api/v1/areas")

    assert response.status_code == 200
    assert response.json() == []


# ------------------------------------------------------------------------------
# Schema
# ------------------------------------------------------------------------------
def test_openapi_schema_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/me", "/api/v1/areas", "/api/v1/certificates/{number}"} <= set(schema["paths"])
    assert schema["info"]["title"] == "消防宣教与志愿服务平台 API"

import time

import pytest
from django.conf import settings

from portal import health
from portal.tests.conftest import celery_use_broker

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_dependency_ok_on_the_test_setup(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == settings.PORTAL_VERSION
    checks = body["checks"]
    assert set(checks) == {"database", "cache", "broker", "cjk_font"}
    assert all(check["ok"] is True for check in checks.values())
    assert checks["database"]["vendor"] in {"sqlite", "postgresql"}
    assert checks["broker"] == {"ok": True, "mode": "inline"}
    assert checks["cjk_font"]["path"].endswith((".ttc", ".ttf", ".otf"))


def test_healthz_is_get_only(client):
    assert client.post("/healthz").status_code == 405


def test_unreachable_broker_degrades_but_does_not_take_the_portal_down_or_stall_it():
    celery_use_broker(eager=False, broker_url="redis://127.0.0.1:1/0")

    started = time.monotonic()
    payload, status = health.health()

    assert time.monotonic() - started < 1.0
    assert status == 200
    assert payload["status"] == "degraded"
    assert payload["checks"]["broker"]["ok"] is False
    assert payload["checks"]["broker"]["mode"] == "broker"


def test_database_failure_is_down_with_503(monkeypatch):
    monkeypatch.setattr(health, "database_state", lambda: {"ok": False, "error": "OperationalError"})

    payload, status = health.health()

    assert status == 503
    assert payload["status"] == "down"

"""What /healthz reports: each dependency's state, checked with short time-outs."""

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from portal import pdf


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def cache_state() -> dict:
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    try:
        cache.set("healthz", "1", 5)
        ok = cache.get("healthz") == "1"
    except OSError as exc:
        return {"ok": False, "backend": backend, "error": exc.__class__.__name__}
    return {"ok": ok, "backend": backend}


def broker_state() -> dict:
    from kombu import Connection
    from kombu.exceptions import OperationalError

    from portal.celery import app

    if app.conf.task_always_eager:
        return {"ok": True, "mode": "inline"}
    try:
        with Connection(app.conf.broker_url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1, timeout=1, interval_start=0)  # kombu sleeps 2 s by default
    except (OperationalError, OSError) as exc:
        return {"ok": False, "mode": "broker", "error": exc.__class__.__name__}
    return {"ok": True, "mode": "broker"}


def font_state() -> dict:
    path = pdf.cjk_font_path()
    if path is None:
        return {"ok": False, "install": pdf.INSTALL_HINT}
    return {"ok": True, "path": str(path)}


def health() -> tuple[dict, int]:
    """200 while the database answers (the portal can serve); 503 when it does not."""
    checks = {
        "database": database_state(),
        "cache": cache_state(),
        "broker": broker_state(),
        "cjk_font": font_state(),
    }
    if not checks["database"]["ok"]:
        status = "down"
    elif all(check["ok"] for check in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, "version": settings.PORTAL_VERSION, "checks": checks}, (
        503 if status == "down" else 200
    )

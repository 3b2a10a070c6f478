"""Root pytest configuration: applies to every app's tests and to the cross-cutting ones in tests/.

Markers (declared in pyproject.toml) skip a test with a clear reason when its server is absent:
``postgres`` needs DATABASE_URL pointing at PostgreSQL, ``redis`` needs TEST_REDIS_URL, ``browser``
needs /usr/bin/chromium. ``make test`` (bin/test) provides all three.

``once`` marks slow tests that do not depend on the database (the authorisation matrix, CSRF over
every view, the accessibility and CSP browser tours): when bin/test runs the suite on SQLite and on
PostgreSQL side by side it sets ``PORTAL_ONCE_RUN=sqlite``, and the PostgreSQL run skips them.
Run alone (``TEST_RUNS=postgres``, or plain pytest), they run.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM_PATH = "/usr/bin/chromium"


def database_is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and not database_is_postgres():
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://... (make test does)")
    if item.get_closest_marker("redis") and not os.environ.get("TEST_REDIS_URL"):
        pytest.skip("needs Redis: set TEST_REDIS_URL=redis://127.0.0.1:PORT/0 (make test does)")
    once_run = os.environ.get("PORTAL_ONCE_RUN")
    if (
        item.get_closest_marker("once")
        and once_run
        and once_run != ("postgres" if database_is_postgres() else "sqlite")
    ):
        pytest.skip(f"database-independent: runs once, in the {once_run} run of bin/test")
    if item.get_closest_marker("browser") and not Path(CHROMIUM_PATH).exists():
        pytest.skip(f"needs Chromium at {CHROMIUM_PATH}: apt-get install -y chromium (make test does)")

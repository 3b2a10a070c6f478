"""Shared fixtures for the cross-cutting tests: real servers, real browser, real worker.

The markers ``postgres``, ``redis`` and ``browser`` are applied by the root ``conftest.py`` (so they
hold in every app's tests, not only these).
"""

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# the ORM calls the test makes around it (SynchronousOnlyOperation).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM_PATH = "/usr/bin/chromium"  # the same path the root conftest.py checks for the browser marker


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis: set TEST_REDIS_URL")
    return url


@pytest.fixture(autouse=True)
def celery_eager() -> Iterator[None]:
    """Jobs run inline in every test unless the test switches the app to a real broker.

    The settings say so too, but the Celery app caches its configuration once read, so a test
    that changed it must not leak into the next one.
    """
    from portal.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager, app.conf.broker_url = saved


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """test-artifacts/ (gitignored): screenshots and other files kept for a human or CI to look at."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(scope="session")
def screenshots_dir(artifacts_dir: Path) -> Path:
    path = artifacts_dir / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium():
    """A headless system Chromium per test module (never `playwright install`: it downloads one)."""
    if not Path(CHROMIUM_PATH).exists():
        pytest.skip(f"needs Chromium at {CHROMIUM_PATH}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()

"""One job through the real thing: outbox → Redis broker → a `celery worker` process → PDF on disk.

Runs in the PostgreSQL run of `make test` (the worker process must see the test database, which
an in-memory SQLite database cannot offer) with TEST_REDIS_URL pointing at a throwaway Redis.
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from portal import services
from portal.models import Certificate, OutboxMessage
from portal.models.certificates import CertificateKind

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REPO_ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 30
HOLDER_NAME = "王小明"
SUCCEEDED = re.compile(r"Task portal\.tasks\.certificate_render_task\[[-0-9a-f]+\] succeeded")


def _database_url() -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "postgres", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    # NAME is the test database pytest-django created, not the one DATABASE_URL names.
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


@pytest.fixture
def celery_worker(redis_url: str, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """A real `celery -A portal worker` on the test database, and the in-process app pointed at
    the same broker (no longer eager) for the duration of the test."""
    from portal.celery import app

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CELERY_WORKER_PROCESS": "1",
        "CELERY_BROKER_URL": redis_url,
        "DATABASE_URL": _database_url(),
        "PYTHONUNBUFFERED": "1",
    }
    log_path = tmp_path / "worker.log"
    celery = Path(sys.executable).with_name("celery")
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [
                str(celery), "-A", "portal", "worker",
                "--pool=solo", "--concurrency=1", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--loglevel=INFO", "--hostname=pytest@%h",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = redis_url
    _reset_broker_connections(app)
    try:
        yield worker
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        _reset_broker_connections(app)
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)


def _reset_broker_connections(app) -> None:
    """The app caches its connection and producer pools for the first broker URL it used."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def _wait_for_pdf(certificate: Certificate, worker: subprocess.Popen, log_path: Path) -> Path:
    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-4000:] if log_path.exists() else "(no log)"

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        certificate.refresh_from_db(fields=["pdf"])
        path = Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf if certificate.pdf else None
        # The worker logs the task's success just after the PDF is written: wait for both, so
        # the test proves the job ran in the worker process rather than inline in this one.
        if path and path.is_file() and SUCCEEDED.search(log_tail()):
            return path
        if worker.poll() is not None:
            pytest.fail(f"the Celery worker exited with {worker.returncode}:\n{log_tail()}")
        time.sleep(0.2)
    pytest.fail(f"no PDF after {WAIT_SECONDS}s; worker log:\n{log_tail()}")


def test_worker_renders_certificate_pdf(celery_worker, tmp_path):
    district = services.area_create(name="测试区", code="cwt")
    holder = services.person_create(name=HOLDER_NAME, id_number="11010519491231002X", area=district)

    certificate = services.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=district,
        holder=holder,
        title="一警六员实操实训合格证",
        issuer_name="测试区消防救援支队",
        details=[{"heading": "实训", "lines": [["项目", "灭火器实操"], ["成绩", "合格"]]}],
        source=holder,
    )
    pdf_path = _wait_for_pdf(certificate, celery_worker, tmp_path / "worker.log")

    message = OutboxMessage.objects.get(task_name="portal.tasks.certificate_render_task")
    assert message.kwargs == {"certificate_id": certificate.pk}
    assert message.sent_at is not None

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert certificate.number in text
    assert "王*明" in text and HOLDER_NAME not in text  # the PDF prints the masked name

"""Under load and faults: the production shape, attacked from outside (issue 7).

One private stack per module (``tests/faults_stack.py``): PostgreSQL, Redis, gunicorn with two sync
workers and a Celery worker, all real processes with ``portal.settings.production``, which these
tests overbook, stop, kill and restart. The tests speak HTTP to the portal like its clients, read
what was stored with plain SQL, and finish with ``manage.py reconcile``: every success answer
recorded in ``LEDGER`` has its row, and nothing is orphaned, pending or drifted.

Runs only in the PostgreSQL run of ``bin/test`` (markers ``postgres`` and ``redis``).
"""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from tests.faults_stack import (
    Answer,
    Stack,
    all_at_once,
    children,
    find_pg_bin,
    free_port,
    make_root,
    remove_root,
)

# django_db: pytest-django creates the test database only for runs that have such a test; the
# stack copies its schema. The tests themselves never query it.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db]

RACE_RESIDENTS = 24
RACE_CAPACITY = 3
DOUBLE_SCANS = 8
BROKER_ROUND = 6
CERTIFICATES = 30
TRAFFIC = 50
BROKER_BOUND = 5.0  # seconds: far below a connect time-out, far above a normal answer
# The Celery worker's broker gives a killed worker's unacknowledged jobs back after this many
# seconds (production: CELERY_VISIBILITY_TIMEOUT, an hour by default).
VISIBILITY_TIMEOUT = 8

LEDGER: list[dict] = []  # rows every success answer promised, for the reconciliation


@pytest.fixture(scope="module")
def stack(django_db_setup) -> Stack:
    """The private stack, its schema copied from the test database pytest-django just migrated."""
    if find_pg_bin() is None:
        pytest.skip("needs PostgreSQL's server binaries (initdb): apt-get install -y postgresql-15")
    root = make_root()
    private = Stack(root)
    private.env["CELERY_VISIBILITY_TIMEOUT"] = str(VISIBILITY_TIMEOUT)
    try:
        private.start(schema_source=dict(connection.settings_dict))
        yield private
    finally:
        private.stop()
        remove_root(root)
        print(f"\nfault stack start-up (cumulative seconds): {private.timings}")


@pytest.fixture(scope="module")
def seeded(stack: Stack) -> dict:
    started = time.monotonic()
    data = stack.call(
        "seed_all",
        race_residents=RACE_RESIDENTS,
        race_capacity=RACE_CAPACITY,
        checkins=DOUBLE_SCANS,
        broker=BROKER_ROUND,
        trainees=CERTIFICATES,
        traffic=TRAFFIC,
    )
    stack.timings["seed"] = time.monotonic() - started
    return data


@pytest.fixture(scope="module")
def race_servers(stack):
    """Two more gunicorns with six sync workers each on the same database: the portal as shipped
    and the control without the session row lock (started side by side, stopped after the races)."""
    ports = free_port(), free_port()
    spawned = [
        stack.web_spawn(port=ports[0], workers=6, name="web-race"),
        stack.web_spawn(
            port=ports[1], workers=6, app="tests.faults_stack:wsgi_without_session_lock()", name="web-nolock"
        ),
    ]
    stack.extra_web.extend(spawned)
    stack.web_wait(spawned[0], port=ports[0], name="web-race")
    stack.web_wait(spawned[1], port=ports[1], name="web-nolock")
    yield {"locked": ports[0], "unlocked": ports[1]}
    for process in spawned:
        stack.kill(process, signal.SIGTERM)


def _book_all(stack: Stack, race: dict, *, port: int | None = None) -> list[Answer]:
    path = f"/api/v1/training/sessions/{race['session']}/bookings"
    calls = [
        (lambda token=r["token"]: stack.request("POST", path, token=token, body={}, port=port))
        for r in race["residents"]
    ]
    return all_at_once(calls)


def _booked(stack: Stack, session: int) -> int:
    return stack.sql(
        "SELECT count(*) FROM training_booking WHERE session_id = %s AND status = 'booked'", session
    )[0][0]


def _record_bookings(answers: list[Answer]) -> None:
    for answer in answers:
        if answer.status == 201:
            LEDGER.append({"model": "training.booking", "filter": {"pk": answer.body["id"]}})


# ------------------------------------------------------------------------------------------
# Overbooking
# ------------------------------------------------------------------------------------------
def test_concurrent_api_bookings_fill_exactly_the_capacity(stack, seeded, race_servers):
    """24 residents POST a booking for a 3-seat session at the same instant, to a gunicorn with six
    worker processes (six transactions really at once): exactly 3 get 201, the other 21 get 409
    ``session_full``, and the database holds exactly 3 bookings."""
    race = seeded["race"]
    answers = _book_all(stack, race, port=race_servers["locked"])
    statuses = sorted(a.status for a in answers)
    assert statuses == [201] * RACE_CAPACITY + [409] * (RACE_RESIDENTS - RACE_CAPACITY), answers
    assert {a.code for a in answers if a.status == 409} == {"session_full"}
    assert _booked(stack, race["session"]) == RACE_CAPACITY
    _record_bookings(answers)


def test_without_the_row_lock_the_same_race_overbooks(stack, seeded, race_servers):
    """The control: the same race against a server whose ``booking_create`` skips the row lock
    (``training.services.LOCK_SESSION_ROW`` off, a pause between count and insert) books more
    people than seats — the race is real, and the lock is what prevents it."""
    control = seeded["control"]
    answers = _book_all(stack, control, port=race_servers["unlocked"])
    booked = _booked(stack, control["session"])
    assert booked > RACE_CAPACITY
    assert sum(a.status == 201 for a in answers) == booked


# ------------------------------------------------------------------------------------------
# Double check-in
# ------------------------------------------------------------------------------------------
def test_two_scanners_at_once_check_in_once_and_a_retry_writes_nothing(stack, seeded):
    """Two trainers scan the same trainee's code at the same moment (each with its own nonce, the
    two gunicorn workers serving them at once), eight times: each time one ``ok`` and one
    ``already_checked_in``. Every client then retries with its nonce: the same answer again, and no
    second row (one check-in attempt per nonce, one successful scan per booking)."""
    double = seeded["double"]
    first, second = double["trainers"]
    sent = []
    for booking, code in double["codes"].items():
        pair = [(first, f"a-{booking}"), (second, f"b-{booking}")]
        answers = all_at_once(
            [
                (lambda token=token, nonce=nonce, code=code: stack.request(
                    "POST", "/api/v1/checkin", token=token, body={"code": code, "nonce": nonce}
                ))
                for token, nonce in pair
            ]
        )  # fmt: skip
        assert sorted(a.body["result"] for a in answers) == ["already_checked_in", "ok"], answers
        sent += [(token, nonce, code, answer) for (token, nonce), answer in zip(pair, answers, strict=True)]
    rows_before = stack.sql("SELECT count(*) FROM training_checkinattempt")[0][0]

    retries = [
        stack.request("POST", "/api/v1/checkin", token=token, body={"code": code, "nonce": nonce})
        for token, nonce, code, _answer in sent
    ]
    assert [r.body for r in retries] == [a.body for *_rest, a in sent]
    assert stack.sql("SELECT count(*) FROM training_checkinattempt")[0][0] == rows_before
    per_booking = stack.sql(
        "SELECT booking_id, count(*) FILTER (WHERE result = 'ok'), count(*) FROM training_checkinattempt "
        "WHERE session_id = %s GROUP BY booking_id",
        double["session"],
    )
    assert sorted((ok, total) for _b, ok, total in per_booking) == [(1, 2)] * DOUBLE_SCANS
    for _token, nonce, _code, answer in sent:
        if answer.body["result"] == "ok":
            LEDGER.append(
                {
                    "model": "training.checkinattempt",
                    "filter": {"nonce": nonce, "result": "ok", "booking__checked_in_at__isnull": False},
                }
            )


# ------------------------------------------------------------------------------------------
# Broker down
# ------------------------------------------------------------------------------------------
def _sms_counts(stack: Stack, residents: list[dict]) -> list[int]:
    hashes = [r["phone_hash"] for r in residents]
    counts = dict(
        stack.sql(
            "SELECT phone_hash, count(*) FROM portal_smsmessage WHERE phone_hash = ANY(%s) GROUP BY 1", hashes
        )
    )
    return [counts.get(h, 0) for h in hashes]


def _certificates(stack: Stack, session: int) -> list[tuple]:
    """(booking, number, pdf) of the training certificates of the session's bookings."""
    return stack.sql(
        "SELECT b.id, c.number, c.pdf FROM training_booking b "
        "JOIN portal_certificate c ON c.source_id = b.id AND c.kind = 'training' "
        "JOIN django_content_type t ON t.id = c.source_type_id "
        "AND t.app_label = 'training' AND t.model = 'booking' "
        "WHERE b.session_id = %s ORDER BY b.id",
        session,
    )


def _issued_audits(stack: Stack, numbers: list[str]) -> int:
    return stack.sql(
        "SELECT count(*) FROM portal_auditentry WHERE action = 'portal.certificate.issued' "
        "AND data->>'number' = ANY(%s)",
        numbers,
    )[0][0]


def _worker_diagnosis(stack: Stack, session: int) -> str:
    certificates = _certificates(stack, session)
    passed = stack.sql("SELECT count(*) FROM training_booking WHERE session_id = %s AND passed", session)
    pending = stack.sql("SELECT id, task_name, attempts FROM portal_outboxmessage WHERE sent_at IS NULL")
    unrendered = [c[1] for c in certificates if not c[2]]
    return (
        f"passed {passed[0][0]}, certificates {len(certificates)}, without PDF {unrendered}, "
        f"outbox pending {pending}, queue {stack.redis_count()}, unacked {stack.redis_unacked()}"
    )


def _pdf_files(stack: Stack) -> list[Path]:
    return sorted(stack.private_dir.rglob("*.pdf"))


def test_broker_down_every_request_succeeds_and_every_job_arrives_once(stack, seeded):
    """Redis is stopped. Six residents book (each booking queues a text message), six trainees are
    checked in and a trainer closes a session of six who passed (six certificate jobs): every answer
    is a success and comes within 5 s — nobody waits on the broker. The jobs stay in the outbox.
    Redis comes back, the drain (beat's job) sends them: each resident gets exactly one message and
    each passed trainee exactly one certificate, rendered once."""
    broker = seeded["broker"]
    stack.redis_stop()
    try:
        bookings = [
            stack.request(
                "POST",
                f"/api/v1/training/sessions/{broker['booking']['session']}/bookings",
                token=r["token"],
                body={},
            )
            for r in broker["booking"]["residents"]
        ]
        scans = [
            stack.request(
                "POST",
                "/api/v1/checkin",
                token=broker["checkin"]["trainers"][0],
                body={"code": code, "nonce": f"down-{booking}"},
            )
            for booking, code in broker["checkin"]["codes"].items()
        ]
        close = stack.request(
            "POST",
            f"/api/v1/training/sessions/{broker['passed']['session']}/close",
            token=broker["passed"]["trainer"],
        )
        pending = stack.sql("SELECT count(*) FROM portal_outboxmessage WHERE sent_at IS NULL")[0][0]
    finally:
        stack.redis_start()
    answers = [*bookings, *scans, close]
    assert [a.status for a in bookings] == [201] * BROKER_ROUND, (bookings, stack.log("web"))
    assert [a.status for a in scans] == [200] * BROKER_ROUND, (scans, stack.log("web"))
    assert [a.body["result"] for a in scans] == ["ok"] * BROKER_ROUND, scans
    assert close.status == 200, close
    assert max(a.seconds for a in answers) < BROKER_BOUND, [round(a.seconds, 2) for a in answers]
    assert pending >= BROKER_ROUND + BROKER_ROUND  # six messages and six certificate jobs wait
    _record_bookings(bookings)
    LEDGER.extend(
        {"model": "training.checkinattempt", "filter": {"nonce": f"down-{b}", "result": "ok"}}
        for b in broker["checkin"]["codes"]
    )

    def delivered():
        stack.drain()  # beat does this every 30 s; a job younger than 10 s waits for the next one
        certificates = _certificates(stack, broker["passed"]["session"])
        rendered = [c for c in certificates if c[2]]
        return len(rendered) == BROKER_ROUND and all(_sms_counts(stack, broker["booking"]["residents"]))

    stack.wait_until(delivered, "the queued jobs delivered after Redis came back", timeout=90)
    time.sleep(2)  # a duplicate delivery, if any, would land now
    assert _sms_counts(stack, broker["booking"]["residents"]) == [1] * BROKER_ROUND
    numbers = [c[1] for c in _certificates(stack, broker["passed"]["session"])]
    assert len(numbers) == len(set(numbers)) == BROKER_ROUND
    assert _issued_audits(stack, numbers) == BROKER_ROUND
    assert stack.sql("SELECT count(*) FROM portal_outboxmessage WHERE sent_at IS NULL")[0][0] == 0
    done = stack.reconcile(expect=LEDGER)
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------------------------------
# Worker killed
# ------------------------------------------------------------------------------------------
def test_worker_killed_while_rendering_certificates_each_exists_exactly_once(stack, seeded):
    """A trainer closes a session of 30 who passed: 30 certificate jobs, each queuing a PDF render.
    While the worker renders, one of its pool processes is SIGKILLed (the worker gives the job
    back at once), then the whole worker (all its processes, SIGKILL: a machine lost). After the
    visibility time-out a new worker starts and finishes the work: every passed trainee has exactly
    one certificate (one registry row, one issue audit entry, one PDF file)."""
    worker = seeded["worker"]
    close = stack.request(
        "POST", f"/api/v1/training/sessions/{worker['session']}/close", token=worker["trainer"]
    )
    assert close.status == 200, close

    def rendering():
        return any(c[2] for c in _certificates(stack, worker["session"]))

    # The web processes may skip the broker for a while after an outage (their breaker): their jobs
    # then wait for the drain, as they would for beat's.
    with stack.beat():
        stack.wait_until(rendering, "a first certificate rendered", timeout=60, every=0.05)
        pool = stack.worker_children()
        assert pool, stack.log("worker")
        os.kill(pool[0], signal.SIGKILL)
        time.sleep(0.3)
        stack.kill(stack.worker, signal.SIGKILL)
        rendered_at_kill = sum(1 for c in _certificates(stack, worker["session"]) if c[2])
        assert rendered_at_kill < CERTIFICATES, "the worker finished before it was killed"
        time.sleep(VISIBILITY_TIMEOUT + 1)
        stack.worker_start()

        def finished():
            certificates = _certificates(stack, worker["session"])
            return len(certificates) == CERTIFICATES and all(c[2] for c in certificates)

        # Normally seconds after the start (the new worker's first poll restores what the dead one
        # held); 150 s also covers kombu's periodic restore (every ~100 s) should the first miss.
        stack.wait_until(
            finished, "every certificate issued and rendered after the restart", timeout=150,
            diagnose=lambda: _worker_diagnosis(stack, worker["session"]),
        )  # fmt: skip
    time.sleep(2)  # a duplicate, if any, would land now
    certificates = _certificates(stack, worker["session"])
    numbers = [c[1] for c in certificates]
    assert len({c[0] for c in certificates}) == len(set(numbers)) == CERTIFICATES
    assert _issued_audits(stack, numbers) == CERTIFICATES
    files = [p for p in _pdf_files(stack) if p.stem in numbers]
    assert sorted(p.stem for p in files) == sorted(numbers)
    done = stack.reconcile(expect=LEDGER)
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------------------------------
# Database restart
# ------------------------------------------------------------------------------------------
def test_database_restart_during_traffic_the_portal_answers_again(stack, seeded):
    """Residents book and trainers check in without pause while PostgreSQL crashes (immediate
    shutdown) and starts again. Requests during the outage fail; afterwards the same gunicorn and
    Celery processes (same pids, none restarted) answer and work again, every success answer has
    its row, a booking made after the restart gets its text message, and reconciliation finds no
    half-written record."""
    restart = seeded["restart"]
    web_pids = {stack.web.pid, *children(stack.web.pid)}
    worker_pid = stack.worker.pid
    residents = list(restart["booking"]["residents"])
    codes = list(restart["checkin"]["codes"].items())
    trainer = restart["checkin"]["trainers"][0]
    answers: list[tuple[str, str, Answer]] = []
    outage_over = threading.Event()
    stop = threading.Event()

    def traffic():
        while not stop.is_set() and residents and codes:
            resident = residents.pop(0)
            answer = stack.request(
                "POST", f"/api/v1/training/sessions/{restart['booking']['session']}/bookings",
                token=resident["token"], body={}, timeout=20,
            )  # fmt: skip
            answers.append(("booking", resident["phone_hash"], answer))
            booking, code = codes.pop(0)
            answer = stack.request(
                "POST",
                "/api/v1/checkin",
                token=trainer,
                body={"code": code, "nonce": f"restart-{booking}"},
                timeout=20,
            )
            answers.append(("checkin", f"restart-{booking}", answer))
            if outage_over.is_set() and sum(a.status in (200, 201) for _k, _i, a in answers[-10:]) == 10:
                return
            # A client backs off after an error instead of spending its whole queue on the outage.
            time.sleep(0.05 if answer.status in (200, 201) else 0.5)

    thread = threading.Thread(target=traffic)
    thread.start()
    time.sleep(1.0)
    stack.pg_stop("immediate")
    time.sleep(2.0)
    stack.pg_start()
    outage_over.set()
    thread.join(timeout=120)
    stop.set()

    assert any(a.status not in (200, 201) for _k, _i, a in answers), "the outage was not noticed"
    assert all(a.status in (200, 201) for _k, _i, a in answers[-10:]), answers[-10:]
    assert {stack.web.pid, *children(stack.web.pid)} == web_pids
    assert stack.worker.pid == worker_pid and stack.worker.poll() is None
    succeeded_bookings = []
    for kind, ident, answer in answers:
        if kind == "booking" and answer.status == 201:
            LEDGER.append({"model": "training.booking", "filter": {"pk": answer.body["id"]}})
            succeeded_bookings.append(ident)
        elif kind == "checkin" and answer.status == 200 and answer.body["result"] == "ok":
            LEDGER.append({"model": "training.checkinattempt", "filter": {"nonce": ident, "result": "ok"}})
    last = succeeded_bookings[-1]

    def texted():
        stack.drain()
        return _sms_counts(stack, [{"phone_hash": last}]) == [1]

    stack.wait_until(texted, "the text message of a booking made after the restart", timeout=60)
    done = stack.reconcile(expect=LEDGER)
    assert done.returncode == 0, done.stdout + done.stderr


# ------------------------------------------------------------------------------------------
# Nothing lost
# ------------------------------------------------------------------------------------------
def test_nothing_lost_after_all_the_faults(stack):
    """After every run above: each request that got a success answer has its row, no booking or
    check-in is orphaned, no certificate lost its source or PDF, no outbox job is left pending,
    and the kept training and volunteer tallies equal a recount (``manage.py reconcile``)."""
    assert LEDGER, "run the whole module: the ledger is filled by the fault runs"

    def outbox_empty():
        stack.drain()  # as beat would, until the last jobs of the runs above are sent
        return not stack.sql("SELECT count(*) FROM portal_outboxmessage WHERE sent_at IS NULL")[0][0]

    stack.wait_until(outbox_empty, "every outbox job sent", timeout=60, every=2)
    done = stack.reconcile(expect=LEDGER)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all" in done.stdout and "checks passed" in done.stdout

"""A private, production-shaped stack for the fault tests (``tests/test_faults_*.py``).

The fault tests stop, kill and restart servers, so they cannot use the suite's shared PostgreSQL
and Redis: ``Stack`` starts its own, in a temporary directory, and tears everything down after:

- PostgreSQL: ``initdb`` into the directory (binaries as ``bin/test`` finds them), run as the
  ``postgres`` user when the tests run as root (initdb refuses root);
- Redis with ``appendonly yes`` on a free port (the broker keeps queued jobs across a restart, as
  docs/deploy.md asks of production);
- gunicorn (``gunicorn.conf.py``, 2 sync workers) and ``celery -A portal worker`` (prefork, 2
  processes) as subprocesses with ``portal.settings.production`` and the environment ``bin/stack``
  gives, pointed at those two servers; certificates go to the directory (``PRIVATE_MEDIA_ROOT``).

The test process never opens a Django connection to the private database: it seeds and reconciles
through ``manage.py`` subprocesses (the ``seed_*`` functions at the end run inside them), reads rows
with plain SQL (psycopg) and talks to the portal over HTTP, as a client would.

Every process is started in a session of its own and stopped by its pid (or process group id).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_TIMEOUT = 60


def find_pg_bin() -> Path | None:
    """PostgreSQL's server binaries, found as ``bin/test`` finds them (PG_BIN, 15, newest)."""
    candidates = [os.environ.get("PG_BIN", ""), "/usr/lib/postgresql/15/bin"]
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    """One HTTP exchange as the client saw it. ``status`` 0: no answer (connection refused/reset)."""

    method: str
    path: str
    status: int
    body: dict | list | None
    seconds: float
    error: str = ""

    @property
    def code(self) -> str:
        return self.body.get("code", "") if isinstance(self.body, dict) else ""


@dataclass
class Stack:
    root: Path
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    web: subprocess.Popen | None = None
    worker: subprocess.Popen | None = None
    extra_web: list[subprocess.Popen] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds since start(), for the report

    # --------------------------------------------------------------------------------------
    # Environment
    # --------------------------------------------------------------------------------------
    def __post_init__(self) -> None:
        from cryptography.fernet import Fernet

        self.pg_bin = find_pg_bin()
        self.log_dir = self.root / "log"
        self.private_dir = self.root / "private"
        for directory in (self.log_dir, self.private_dir, self.root / "media", self.root / "static"):
            directory.mkdir(parents=True, exist_ok=True)
        self.pg_user = pwd.getpwuid(os.getuid()).pw_name
        if os.getuid() == 0:  # initdb refuses root: as bin/test, the postgres user, else nobody
            self.pg_user = "postgres" if _user_exists("postgres") else "nobody"
        base = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_", "REDIS_", "PYTEST_", "TEST_"))
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="portal.settings.production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            PII_HASH_KEY=secrets.token_urlsafe(32),
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{self.pg_port}/portal",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/1",
            CELERY_BROKER_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_SECURE_COOKIES="false",
            DJANGO_SECURE_HSTS_SECONDS="0",
            DJANGO_CSRF_TRUSTED_ORIGINS=base,
            PORTAL_BASE_URL=base,
            WAGTAILADMIN_BASE_URL=base,
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            MEDIA_ROOT=str(self.root / "media"),
            PRIVATE_MEDIA_ROOT=str(self.private_dir),
            STATIC_ROOT=str(self.root / "static"),
            PORT=str(self.web_port),
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="",
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            PYTHONWARNINGS="ignore",
        )

    # --------------------------------------------------------------------------------------
    # PostgreSQL
    # --------------------------------------------------------------------------------------
    @property
    def pg_data(self) -> Path:
        return self.root / "pg" / "data"

    def _as_pg(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        user = self.pg_user if os.getuid() == 0 else None
        return subprocess.run(list(args), user=user, capture_output=True, text=True, **kwargs)

    def pg_init(self) -> None:
        if self.pg_bin is None:
            raise RuntimeError("PostgreSQL server binaries not found: apt-get install -y postgresql-15")
        (self.root / "pg").mkdir(exist_ok=True)
        if os.getuid() == 0:
            owner = pwd.getpwnam(self.pg_user)
            os.chown(self.root / "pg", owner.pw_uid, owner.pw_gid)
        done = self._as_pg(
            str(self.pg_bin / "initdb"), "-D", str(self.pg_data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        self.pg_start()
        done = self._as_pg(
            str(self.pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
            "portal",
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"createdb failed:\n{done.stderr}")

    def schema_from(self, source: dict) -> None:
        """Build the private database from another database's schema (the test database that
        pytest-django just migrated) instead of running every migration again (a minute on a busy
        machine): its schema and ``django_migrations`` rows, then the post-migrate hooks (content
        types, permissions, the role groups), as ``migrate`` would leave them."""
        client = [
            "-h", source.get("HOST") or "127.0.0.1", "-p", str(source.get("PORT") or 5432),
            "-U", source.get("USER") or "postgres", "--no-owner", "--no-privileges",
        ]  # fmt: skip
        env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
        parts = []
        for only in (["--schema-only"], ["--data-only", "--table=django_migrations"]):
            dump = subprocess.run(
                [str(self.pg_bin / "pg_dump"), *client, *only, source["NAME"]],
                capture_output=True, text=True, env=env, check=False,
            )  # fmt: skip
            if dump.returncode:
                raise RuntimeError(f"pg_dump failed:\n{dump.stderr}")
            parts.append(dump.stdout)
        load = subprocess.run(
            [
                str(self.pg_bin / "psql"), "-q", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres",
                "-d", "portal", "-v", "ON_ERROR_STOP=1",
            ],
            input="\n".join(parts), capture_output=True, text=True, check=False,
        )  # fmt: skip
        if load.returncode:
            raise RuntimeError(f"loading the schema failed:\n{load.stderr[-3000:]}")
        self.manage(
            "shell", "-c",
            "from django.core.management.sql import emit_post_migrate_signal; "
            "emit_post_migrate_signal(0, False, 'default')",
        )  # fmt: skip

    def pg_start(self) -> None:
        # fsync off (the OS does not crash under a test); synchronous_commit stays on, so an
        # answered commit survives the server's own crash, as in production.
        options = (
            f"-p {self.pg_port} -k {self.root / 'pg'} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=100"
        )
        done = self._as_pg(
            str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-l", str(self.root / "pg" / "server.log"),
            "-w", "-t", "60", "-o", options, "start",
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(f"PostgreSQL did not start:\n{done.stdout}\n{done.stderr}")

    def pg_stop(self, mode: str = "fast") -> None:
        """``fast``: clients are disconnected, a clean shutdown; ``immediate``: a crash."""
        self._as_pg(str(self.pg_bin / "pg_ctl"), "-D", str(self.pg_data), "-m", mode, "-w", "stop")

    def sql(self, query: str, *params) -> list[tuple]:
        """Rows of one query, in a connection of its own (autocommit): what is really stored."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.pg_port, user="postgres", dbname="portal", autocommit=True
        ) as conn:
            cursor = conn.execute(query, params or None)
            return cursor.fetchall() if cursor.description else []

    # --------------------------------------------------------------------------------------
    # Redis
    # --------------------------------------------------------------------------------------
    def redis_start(self) -> None:
        redis_dir = self.root / "redis"
        redis_dir.mkdir(exist_ok=True)
        subprocess.run(
            [
                "redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port), "--daemonize", "yes",
                "--dir", str(redis_dir), "--appendonly", "yes", "--save", "",
                "--pidfile", str(redis_dir / "redis.pid"), "--logfile", str(self.log_dir / "redis.log"),
            ],
            check=True,
        )  # fmt: skip
        self._wait(lambda: self._redis_ping(), "Redis")

    def _redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def redis_stop(self) -> None:
        """SHUTDOWN: Redis writes its append-only file and exits; the port refuses connections."""
        pid_file = self.root / "redis" / "redis.pid"
        pid = int(pid_file.read_text()) if pid_file.exists() else None
        subprocess.run(["redis-cli", "-p", str(self.redis_port), "shutdown"], capture_output=True)
        if pid:
            self._wait(lambda: not _alive(pid), "Redis to stop")

    def redis_unacked(self) -> int:
        """Jobs delivered to a worker and not acknowledged yet (kombu's unacked index)."""
        command = ["redis-cli", "-p", str(self.redis_port), "-n", "0", "zcard", "unacked_index"]
        done = subprocess.run(command, capture_output=True, text=True)
        return int(done.stdout.strip() or 0)

    def redis_count(self, queue: str = "celery") -> int:
        command = ["redis-cli", "-p", str(self.redis_port), "-n", "0", "llen", queue]
        done = subprocess.run(command, capture_output=True, text=True)
        return int(done.stdout.strip() or 0)

    # --------------------------------------------------------------------------------------
    # Django processes
    # --------------------------------------------------------------------------------------
    def manage(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode:
            command = " ".join(args)
            raise RuntimeError(f"manage.py {command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def call(self, function: str, **kwargs) -> dict:
        """Run ``tests.faults_stack.<function>(**kwargs)`` inside ``manage.py shell`` on the private
        database; it prints one JSON line, returned here."""
        arguments = json.dumps(json.dumps(kwargs))  # a Python string literal of the JSON
        code = (
            "import json; from tests import faults_stack; "
            f"print('RESULT ' + json.dumps(faults_stack.{function}(**json.loads({arguments}))))"
        )
        done = self.manage("shell", "-c", code)
        for line in reversed(done.stdout.splitlines()):
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
        raise RuntimeError(f"{function} printed no result:\n{done.stdout}\n{done.stderr}")

    def reconcile(self, *, expect: list[dict] | None = None, grace: int = 0) -> subprocess.CompletedProcess:
        args = ["reconcile", f"--grace={grace}"]
        if expect is not None:
            path = self.root / f"expect-{time.monotonic_ns()}.json"
            path.write_text(json.dumps(expect))
            args.append(f"--expect={path}")
        return self.manage(*args, check=False)

    def _spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("ab")
        try:
            return subprocess.Popen(
                args,
                cwd=REPO_ROOT,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped (or killed) as a whole
            )
        finally:
            log.close()

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else "(no log)"

    def web_spawn(self, *, port: int | None = None, workers: int = 2, app: str = "", name: str = "web"):
        """Start gunicorn with the repository's gunicorn.conf.py (sync workers); ``app`` replaces the
        WSGI application (e.g. the control without the session lock). ``web_wait`` waits for it."""
        port = port or self.web_port
        args = [str(BIN / "gunicorn"), "--config", str(REPO_ROOT / "gunicorn.conf.py")]
        args += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
        if name != "web":
            args += ["--preload"]  # extra servers: load once, fork many
        if app:
            args += [app]
        return self._spawn(name, args, env={"PORT": str(port)})

    def web_wait(self, process: subprocess.Popen, *, port: int, name: str) -> subprocess.Popen:
        self._wait(lambda: self._http_up(port, process, name), f"gunicorn ({name})")
        return process

    def web_start(self, *, port: int | None = None, workers: int = 2, app: str = "", name: str = "web"):
        process = self.web_spawn(port=port, workers=workers, app=app, name=name)
        return self.web_wait(process, port=port or self.web_port, name=name)

    @contextlib.contextmanager
    def beat(self, every: float = 4.0):
        """While the block runs, drain the outbox every few seconds in a thread (beat's schedule,
        faster), so the caller can watch the database closely meanwhile."""
        stop = threading.Event()

        def run():
            while not stop.wait(every):
                with contextlib.suppress(subprocess.SubprocessError):
                    self.drain()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=70)

    def drain(self) -> None:
        """What beat does every 30 s: send ``outbox_drain_task`` through the broker to a worker."""
        subprocess.run(
            [str(BIN / "celery"), "-A", "portal", "call", "portal.tasks.outbox_drain_task"],
            cwd=REPO_ROOT, env=self.env, capture_output=True, check=True, timeout=60,
        )  # fmt: skip

    def _http_up(self, port: int, process: subprocess.Popen, name: str) -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited {process.returncode}:\n{self.log(name)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return True
        except urllib.error.HTTPError:
            return True  # it answers (503 while a dependency is down)
        except OSError:
            return False

    def worker_start(self) -> subprocess.Popen:
        self.worker = self._spawn(
            "worker",
            [
                str(BIN / "celery"), "-A", "portal", "worker", "--loglevel=INFO", "--concurrency=2",
                "--without-gossip", "--without-mingle", "--hostname", f"faults-{time.monotonic_ns()}@%h",
            ],
            env={"LOG_LEVEL": "INFO"},
        )  # fmt: skip
        self._wait(lambda: self._worker_ready(), "the Celery worker")
        return self.worker

    def _worker_ready(self) -> bool:
        if self.worker.poll() is not None:
            raise RuntimeError(f"celery worker exited {self.worker.returncode}:\n{self.log('worker')}")
        return " ready." in self.log("worker")[-3000:]

    def worker_children(self) -> list[int]:
        return children(self.worker.pid) if self.worker else []

    def kill(self, process: subprocess.Popen | None, sig: int = signal.SIGKILL, timeout: float = 30) -> None:
        """Signal the process group we started (TERM for a clean stop, KILL for a crash)."""
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    # --------------------------------------------------------------------------------------
    # The whole stack
    # --------------------------------------------------------------------------------------
    def start(self, *, schema_source: dict | None = None) -> None:
        started = time.monotonic()
        self.pg_init()
        self.redis_start()
        self.timings["postgres+redis"] = time.monotonic() - started
        if schema_source:
            self.schema_from(schema_source)
        else:
            self.manage("migrate", "--noinput")
        self.timings["schema"] = time.monotonic() - started
        web = self.web_spawn()
        self.worker_start()
        self.web = self.web_wait(web, port=self.web_port, name="web")
        self.timings["web+worker"] = time.monotonic() - started

    def stop(self) -> None:
        # SIGQUIT: gunicorn's quick shutdown and Celery's cold one; the data is thrown away anyway.
        for process in [self.web, *self.extra_web, self.worker]:
            self.kill(process, signal.SIGQUIT, timeout=10)
        self.redis_stop()
        if self.pg_bin is not None and (self.pg_data / "postmaster.pid").exists():
            self.pg_stop("immediate")

    def _wait(self, ready, what: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{what} not ready after {timeout}s")

    def wait_until(self, condition, what: str, timeout: float = 60, every: float = 0.3, diagnose=None):
        """Poll ``condition()`` until it returns something true; fail (AssertionError) after ``timeout``
        with ``diagnose()`` and the worker's log."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                state = diagnose() if diagnose else ""
                raise AssertionError(
                    f"{what}: not after {timeout}s\n{state}\nworker log:\n{self.log('worker')}"
                )
            time.sleep(every)

    # --------------------------------------------------------------------------------------
    # HTTP, as a client
    # --------------------------------------------------------------------------------------
    def request(
        self, method: str, path: str, *, token: str = "", body: dict | None = None, port: int | None = None,
        timeout: float = 30,
    ) -> Answer:  # fmt: skip
        url = f"http://127.0.0.1:{port or self.web_port}{path}"
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        started = time.monotonic()
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http://127.0.0.1
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except OSError as exc:
            return Answer(method, path, 0, None, time.monotonic() - started, error=type(exc).__name__)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return Answer(method, path, status, parsed, time.monotonic() - started)


def all_at_once(calls: list) -> list:
    """Run the callables in threads released together by a barrier; their results in call order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def make_root() -> Path:
    """A temporary directory the ``postgres`` user can traverse (pytest's tmp_path is 0700 root)."""
    root = Path(tempfile.mkdtemp(prefix="portal-faults-"))
    root.chmod(0o755)
    return root


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)


def wsgi_without_session_lock():
    """The control server's WSGI application: ``booking_create`` counts seats *without* the row
    lock (``training.services.LOCK_SESSION_ROW``, the documented switch for concurrency controls)
    and pauses two seconds between count and insert, so concurrent requests overbook if nothing else
    stops them."""
    from portal.wsgi import application
    from training import services

    services.LOCK_SESSION_ROW = False
    services.RACE_PAUSE_SECONDS = 2.0  # wider than the spread of six busy workers' counts
    return application


# ------------------------------------------------------------------------------------------
# Run inside the stack (Stack.call → manage.py shell): seed data, answer ids and tokens
# ------------------------------------------------------------------------------------------
def _resident(street, n: int) -> dict:
    """A resident with a Person (a mobile number of their own), a remembered category and an API
    token; ``phone_hash`` finds their text messages (SMSMessage) in the database."""
    from portal import crypto
    from portal import services as kernel
    from portal.models import Person, Role
    from portal.tests.factories import PersonFactory, UserFactory
    from training.models import TraineeProfile

    user = UserFactory(password=None)  # API tokens only: no 1 s password hash per user
    kernel.role_assign(user=user, role=Role.RESIDENT)
    phone = f"139{Person.objects.count():08d}"
    person = PersonFactory(user=user, area=street, phone=phone)
    TraineeProfile.objects.create(person=person, category=4)
    token = kernel.api_token_issue(user=user, name=f"faults-{n}")
    return {"token": token, "phone_hash": crypto.keyed_hash(phone)}


def _trainer(street, n: int) -> tuple[object, str]:
    from portal import services as kernel
    from portal.models import Role
    from portal.tests.factories import UserFactory

    user = UserFactory(password=None)  # API tokens only: no 1 s password hash per user
    kernel.role_assign(user=user, role=Role.TRAINER, area=street)
    return user, kernel.api_token_issue(user=user, name=f"faults-trainer-{n}")


def seed_booking_race(*, residents: int, capacity: int) -> dict:
    """A session with ``capacity`` seats and ``residents`` residents (API tokens), each able to book."""
    from portal.tests.factories import StreetFactory
    from training.tests import factories

    street = StreetFactory()
    session = factories.SessionFactory(venue=factories.VenueFactory(area=street), capacity=capacity)
    return {"session": session.pk, "residents": [_resident(street, n) for n in range(residents)]}


def seed_checkin(*, bookings: int) -> dict:
    """A session open for check-in with ``bookings`` booked trainees, two trainers (tokens) and the
    trainees' check-in codes."""
    from portal.tests.factories import StreetFactory
    from training import services
    from training.tests import factories

    street = StreetFactory()
    session = factories.SessionFactory(venue=factories.VenueFactory(area=street), capacity=bookings + 5)
    booked = [factories.BookingFactory(session=session) for _ in range(bookings)]
    return {
        "session": session.pk,
        "trainers": [_trainer(street, 1)[1], _trainer(street, 2)[1]],
        "codes": {str(b.pk): services.booking_checkin_code(booking=b) for b in booked},
    }


def seed_passed_session(*, trainees: int) -> dict:
    """A 实操实训 session that started 30 minutes ago: ``trainees`` bookings checked in and passed on
    both items through the services, not yet closed (closing it issues the certificates)."""
    import datetime

    from django.utils import timezone

    from portal.tests.factories import StreetFactory
    from training import services
    from training.models import PracticalItem
    from training.tests import factories

    street = StreetFactory()
    start = timezone.now() - datetime.timedelta(minutes=30)
    session = factories.SessionFactory(
        venue=factories.VenueFactory(area=street), capacity=trainees + 5, starts_at=start
    )
    trainer, token = _trainer(street, 1)
    for n in range(trainees):
        booking = factories.BookingFactory(session=session)
        services.checkin_redeem(code="", booking=booking, nonce=f"seed-{session.pk}-{n}", scanned_by=trainer)
        services.assessment_record(
            booking=booking,
            items={PracticalItem.EXTINGUISHER: "pass", PracticalItem.HYDRANT: "pass"},
            assessed_by=trainer,
        )
    return {"session": session.pk, "trainer": token}


def seed_all(
    *, race_residents: int, race_capacity: int, checkins: int, broker: int, trainees: int, traffic: int
) -> dict:
    """Everything the fault runs need, in one process (one Django start-up): two booking races
    (with and without the lock), a session for double scans, a bookable session, a session open
    for check-in and a passed session for the broker outage, a passed session for the worker kill,
    and a bookable session plus check-ins for the database restart."""
    return {
        "race": seed_booking_race(residents=race_residents, capacity=race_capacity),
        "control": seed_booking_race(residents=race_residents, capacity=race_capacity),
        "double": seed_checkin(bookings=checkins),
        "broker": {
            "booking": seed_booking_race(residents=broker, capacity=broker + 10),
            "checkin": seed_checkin(bookings=broker),
            "passed": seed_passed_session(trainees=broker),
        },
        "worker": seed_passed_session(trainees=trainees),
        "restart": {
            "booking": seed_booking_race(residents=traffic, capacity=traffic + 10),
            "checkin": seed_checkin(bookings=traffic),
        },
    }

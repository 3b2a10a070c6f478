"""`make bench` (issue 8): the production shape under load, every figure a ratio to H of the same run.

    make bench                      # = bin/bench-all: stack up, seed L once, then this module
    bin/bench-all --seconds 6       # shorter phases
    bin/bench-all --only load       # skip the certificate and scale runs

What it does (``bin/bench-all`` has already started PostgreSQL and Redis with ``bin/stack`` and
seeded data set L into database ``bench_l`` with ``manage.py seed_bench --size L``):

1. prepares what the requests need in ``bench_l``: session cookies of a district admin, a volunteer
   and a unit manager; API tokens of a trainer and of 1 500 residents; a training session starting
   in ten minutes with 2 500 bookings (a fresh check-in code per request); a session with 200 seats
   the residents race for; 800 quiz attempts to hand in;
2. starts, beside the lead's stack (which it leaves alone), the portal with ``gunicorn --config
   gunicorn.conf.py`` (2 sync workers, ``bench.settings_production`` = production settings, DEBUG
   off, rate-limit ceilings raised), a Celery worker (2 processes) and H — a bare Django hello app
   (``bench/hello_wsgi.py``) under the same gunicorn configuration on another port;
3. drives each endpoint with wrk from a second process (one thread, 4 connections; Lua script
   ``bench/wrk/requests.lua`` cycles through prepared requests, so POSTs carry fresh codes),
   in ``--rounds`` rounds, every round visiting H and each endpoint in turn (interleaved);
4. reads the gunicorn workers' CPU time from /proc before and after each phase (CPU ms per
   request = the web workers' user+system time ÷ requests; PostgreSQL's and Redis's own CPU is not
   in it);
5. checks the outcomes (no booking over capacity, every check-in ``ok``, no 5xx), renders 1 000
   certificates with the Celery worker's 2 processes, runs the scale run (dashboards uncached, in
   process, on S, L and 5 × L service records: time and queries), prints the table and saves
   ``bench/results/bench-<time>.json``.
"""

# ruff: noqa: S603, S607, S310 — a benchmark driver starting its own servers and wrk on localhost
from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV = ROOT / ".venv" / "bin"
TICKS = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- processes ---------------------------------------------------------------------------------
class Server:
    def __init__(self, name: str, argv: list[str], env: dict, port: int | None = None):
        self.name, self.port = name, port
        self.log = open(tempfile.gettempdir() + f"/bench-{name}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / TICKS

    def wait(self, url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    response.read()
                    return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"{self.name} did not come up: see {self.log.name}")
                time.sleep(0.3)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


# -- what the requests need ----------------------------------------------------------------------
class Target:
    def __init__(self, label, lines, *, port_key="portal", goal="", group="", check=None):
        self.label, self.lines, self.port_key, self.goal, self.group = label, lines, port_key, goal, group
        self.check = check
        self.rounds: list[dict] = []


def _line(method: str, path: str, headers: dict | None = None, body: str = "") -> str:
    head = "|".join(f"{k}: {v}" for k, v in (headers or {}).items())
    return f"{method}\t{path}\t{head}\t{body}"


def _cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def prepare(
    host: str, *, codes_n: int = 2500, residents_n: int = 1500, attempts_n: int = 800
) -> list[Target]:
    from django.utils import timezone

    from bench import training as tb
    from courses.models import QuizPage
    from home.models import ArticlePage, HomePage, HubPage
    from portal import services as kernel
    from portal.models import Area, Channel, User
    from training.models import Booking, Session, Venue

    district = Area.objects.get(code="xc")
    home = HomePage.objects.get(district=district)
    hub = HubPage.objects.child_of(home).get(channel__code="family")
    articles = list(ArticlePage.objects.descendant_of(home).live().order_by("-pk")[:200])
    strip = len(home.url_path) - 1
    users = {u.username: u for u in User.objects.filter(username__startswith="bench-")}
    admin, volunteer = _cookie(users["bench-admin"]), _cookie(users["bench-volunteer"])
    manager = _cookie(users["bench-manager"])
    json_h = {"Content-Type": "application/json"}

    # Check-in: a session starting in ten minutes, a fresh valid code per request.
    trainer = users["bench-trainer"]
    token = kernel.api_token_issue(user=trainer, name="bench")
    session, codes = tb._fresh_checkin_session(district, trainer, codes_n)
    checkins = [
        _line(
            "POST",
            "/api/v1/checkin",
            {**json_h, "Authorization": f"Bearer {token}"},
            json.dumps({"code": code, "nonce": secrets.token_hex(8), "session": session.pk}),
        )
        for code in codes
    ]

    # Bookings racing for one session: residents (each with a token) book themselves.
    residents = tb._residents(district, residents_n)
    street = session.area
    start = timezone.now() + datetime.timedelta(days=3)
    race = Session.objects.create(
        venue=Venue.objects.filter(area=street).first(),
        area=street,
        channel=Channel.objects.get(code="community"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=200,
        booking_closes_at=start,
    )
    bookings = [
        _line(
            "POST",
            f"/api/v1/training/sessions/{race.pk}/bookings",
            {**json_h, "Authorization": f"Bearer {kernel.api_token_issue(user=u, name='bench')}"},
            "{}",
        )
        for u in residents
    ]

    def race_check() -> str:
        taken = Booking.objects.filter(session=race, status__in=["booked", "attended", "offered"]).count()
        if taken > race.capacity:
            return f"OVER CAPACITY: {taken} of {race.capacity}"
        return f"{taken} of {race.capacity} seats taken, never more"

    def checkin_check() -> str:
        done = Booking.objects.filter(session=session, status="attended").count()
        return f"{done} of {len(codes)} prepared codes redeemed"

    # Quiz: starts (a new anonymous learner each request) and submits of prepared attempts.
    quiz = (
        QuizPage.objects.live().descendant_of(home).order_by("pk").first() or QuizPage.objects.live().first()
    )
    from django.test import Client

    client = Client(HTTP_HOST=host)
    submits = []
    for _ in range(attempts_n):
        body = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts").json()
        answers = {str(q["id"]): [q["options"][0]["id"]] for q in body["questions"]}
        submits.append(
            _line(
                "POST",
                f"/api/v1/quizzes/attempts/{body['attempt_id']}/submit",
                {**json_h, "X-Learner-Key": body["learner_key"]},
                json.dumps({"answers": answers}),
            )
        )
    log(f"prepared: {len(codes)} check-in codes, {len(residents)} residents, {len(submits)} attempts")

    return [
        Target("H (bare Django hello)", [_line("GET", "/")], port_key="hello", group="H"),
        Target("home page, anonymous", [_line("GET", "/")], goal="P1 ≥ 0.4"),
        Target("hub page 进家庭, anonymous", [_line("GET", hub.url_path[strip:])], goal="P2 ≥ 0.4"),
        Target(
            "article page, anonymous (200 articles)",
            [_line("GET", a.url_path[strip:]) for a in articles],
            goal="P2 ≥ 0.4",
        ),
        Target(
            "quiz start API (new learner)",
            [_line("POST", f"/api/v1/quizzes/{quiz.pk}/attempts")],
            goal="P3 ≥ 0.1",
        ),
        Target("quiz submit API", submits, goal="P3 ≥ 0.1"),
        Target("check-in redeem API, fresh code", checkins, goal="P4 ≥ 0.1", check=checkin_check),
        Target("booking race, one session (200 seats)", bookings, goal="P5 ≥ 0.05", check=race_check),
        Target("targets JSON (public, cached)", [_line("GET", "/api/v1/stats/targets?district=xc")]),
        Target(
            "volunteer district dashboard",
            [_line("GET", "/volunteers/district/", {"Cookie": admin})],
            goal="P6",
        ),
        Target("training dashboard", [_line("GET", "/training/dashboard/", {"Cookie": admin})], goal="P6"),
        Target(
            "my hours (volunteer, 300 records)",
            [_line("GET", "/volunteers/me/hours/", {"Cookie": volunteer})],
            goal="P7 ≥ 0.1",
        ),
        Target("unit compliance view (120 staff)", [_line("GET", "/training/unit/", {"Cookie": manager})]),
    ]


# -- load ----------------------------------------------------------------------------------------
def wrk(url: str, lines: list[str], seconds: float, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    env = dict(os.environ, WRK_REQUESTS=handle.name)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench/wrk/requests.lua"),
            url,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(handle.name)
    for line in out.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[8:])
    raise RuntimeError(out.stdout + out.stderr)


def _visit_all(port: int, lines: list[str]) -> None:
    """GET each line once (4 at a time): a popular page is in the cache, as on a live site."""
    from concurrent.futures import ThreadPoolExecutor

    def visit(line: str) -> None:
        _method, path, head, _body = line.split("\t")
        headers = dict(pair.split(": ", 1) for pair in head.split("|") if pair)
        request = urllib.request.Request(f"http://localhost:{port}{path}", headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(visit, lines))


def run_load(targets, servers, *, rounds: int, seconds: float, connections: int) -> None:
    for target in targets:  # warm each worker's imports (and visit each GET page once); not recorded
        server = servers[target.port_key]
        if target.lines[0].startswith("GET"):
            _visit_all(server.port, target.lines)
        wrk(f"http://localhost:{server.port}", target.lines[-20:], 1, connections)
    for r in range(rounds):
        for target in targets:
            server = servers[target.port_key]
            cpu0 = server.cpu_seconds()
            result = wrk(f"http://localhost:{server.port}", target.lines, seconds, connections)
            result["cpu_s"] = server.cpu_seconds() - cpu0
            target.rounds.append(result)
            # Fresh-code lists are used once: drop what this phase consumed.
            if target.check is not None:
                target.lines = target.lines[result["requests"] :] or target.lines
        log(f"round {r + 1}/{rounds} done")


def summarise(targets) -> list[dict]:
    h = targets[0]
    h_rps = sum(x["requests"] for x in h.rounds) / (sum(x["duration_us"] for x in h.rounds) / 1e6)
    rows = []
    for target in targets:
        n = sum(x["requests"] for x in target.rounds)
        seconds = sum(x["duration_us"] for x in target.rounds) / 1e6
        rps = n / seconds
        rows.append(
            {
                "label": target.label,
                "requests": n,
                "non_2xx": sum(x["non_2xx"] for x in target.rounds),
                "socket_errors": sum(x["socket_errors"] for x in target.rounds),
                "per_second": round(rps, 1),
                "p50_ms": round(statistics.median(x["p50_us"] for x in target.rounds) / 1000, 2),
                "p95_ms": round(statistics.median(x["p95_us"] for x in target.rounds) / 1000, 2),
                "p99_ms": round(statistics.median(x["p99_us"] for x in target.rounds) / 1000, 2),
                "cpu_ms": round(sum(x["cpu_s"] for x in target.rounds) * 1000 / max(n, 1), 2),
                "ratio_to_h": round(rps / h_rps, 4),
                "goal": target.goal,
                "check": target.check() if target.check else "",
                "rounds": target.rounds,
            }
        )
    return rows


# -- certificates --------------------------------------------------------------------------------
def certificates(count: int = 1000) -> dict:
    """``count`` certificates rendered by the Celery worker's 2 processes: PDFs per second."""
    from portal.models import Certificate
    from portal.tasks import certificate_render_task

    model = Certificate.objects.exclude(source_id__gte=10**12).order_by("pk").first()
    stamp = secrets.token_hex(3).upper()
    clones = []
    for i in range(count):
        clone = Certificate.objects.get(pk=model.pk)
        clone.pk = None
        clone.number = f"B{stamp}{i:05d}"
        clone.source_id = 10**12 + int(stamp, 16) * 10_000 + i
        clone.pdf = ""
        clones.append(clone)
    made = Certificate.objects.bulk_create(clones)
    ids = [c.pk for c in made]
    started = time.monotonic()
    for pk in ids:
        certificate_render_task.delay(certificate_id=pk)
    while True:
        done = Certificate.objects.filter(pk__in=ids).exclude(pdf="").count()
        if done == count or time.monotonic() - started > 600:
            break
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    # The clones and their PDFs go again: a run leaves no thousand certificates behind.
    from django.conf import settings

    root = Path(os.environ.get("PRIVATE_MEDIA_ROOT", settings.PRIVATE_MEDIA_ROOT))
    for name in Certificate.objects.filter(pk__in=ids).exclude(pdf="").values_list("pdf", flat=True):
        (root / name).unlink(missing_ok=True)
    Certificate.objects.filter(pk__in=ids).delete()
    return {"certificates": done, "seconds": round(elapsed, 1), "per_second": round(done / elapsed, 1)}


# -- scale run -----------------------------------------------------------------------------------
def scale_one() -> dict:
    """In this process (DATABASE_URL = one data set): the dashboards and targets uncached."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User
    from volunteers.models import ServiceRecord

    admin = User.objects.get(username="bench-admin")
    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    out = {"service_records": ServiceRecord.objects.count()}
    for label, url in (
        ("volunteer district dashboard", "/volunteers/district/"),
        ("training dashboard", "/training/dashboard/"),
        ("targets JSON", "/api/v1/stats/targets?district=xc"),
        ("home page (anonymous)", "/"),
    ):
        anonymous = Client(HTTP_HOST="localhost") if "anonymous" in label else client
        walls, cpus, queries = [], [], 0
        for i in range(23):
            cache.clear()
            with CaptureQueriesContext(connection) as captured:
                c0, w0 = time.process_time(), time.perf_counter()
                response = anonymous.get(url)
                wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            assert response.status_code == 200, (url, response.status_code)
            if i >= 3:  # three warm-ups
                walls.append(wall)
                cpus.append(cpu)
                queries = max(queries, len(captured))
        q = statistics.quantiles(walls, n=20)
        out[label] = {
            "p50_ms": round(statistics.median(walls) * 1000, 1),
            "p95_ms": round(q[18] * 1000, 1),
            "cpu_ms": round(statistics.fmean(cpus) * 1000, 1),
            "queries": queries,
        }
    return out


def scale(databases: dict[str, str]) -> dict:
    results = {}
    for name, url in databases.items():
        env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="bench.settings_production")
        out = subprocess.run(
            [str(VENV / "python"), "-m", "bench.load", "--scale-one"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        line = [x for x in out.stdout.splitlines() if x.startswith("SCALEJSON ")]
        if not line:
            results[name] = {"error": (out.stdout + out.stderr)[-2000:]}
            continue
        results[name] = json.loads(line[-1][10:])
        log(f"scale {name}: {results[name]}")
    return results


# -- report --------------------------------------------------------------------------------------
def table(rows, certs, scaled) -> str:
    lines = [
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | CPU ms/req | × H | non-2xx | goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['per_second']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
            f"{r['cpu_ms']} | {r['ratio_to_h']} | {r['non_2xx']} | {r['goal']} |"
        )
    checks = [f"- {r['label']}: {r['check']}" for r in rows if r["check"]]
    if certs:
        checks.append(
            f"- certificates: {certs['certificates']} PDFs by the Celery worker's 2 processes in "
            f"{certs['seconds']} s = {certs['per_second']}/s (P8 ≥ 20/s)"
        )
    if scaled:
        lines += [
            "",
            "| scale run (uncached, in process) | data set | records | p50 ms | p95 ms | CPU ms | queries |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, data in scaled.items():
            if "error" in data:
                lines.append(f"| error | {name} | {data['error'][-200:]!r} | | | | |")
                continue
            for label, figures in data.items():
                if isinstance(figures, dict):
                    lines.append(
                        f"| {label} | {name} | {data['service_records']:,} | {figures['p50_ms']} | "
                        f"{figures['p95_ms']} | {figures['cpu_ms']} | {figures['queries']} |"
                    )
    return "\n".join([*lines, "", *checks])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--seconds", type=float, default=12, help="seconds of load per endpoint (split over rounds)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--small", action="store_true", help="a dry run on data set S (few fresh codes)")
    parser.add_argument("--only", choices=["load", "certificates", "scale"], action="append")
    parser.add_argument("--scale-db", action="append", default=[], help="name=DATABASE_URL for the scale run")
    parser.add_argument("--scale-one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1].startswith("bench_"):
        sys.exit("bench.load writes to its database: run it through bin/bench-all (database bench_l)")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_production"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.scale_one:
        print("SCALEJSON " + json.dumps(scale_one()), flush=True)
        return
    only = set(args.only or ["load", "certificates", "scale"])
    env = dict(os.environ, GUNICORN_ACCESS_LOG="", DJANGO_SETTINGS_MODULE="bench.settings_production")
    env.setdefault("PRIVATE_MEDIA_ROOT", str(ROOT / "var" / "bench-private"))
    env["DJANGO_CSRF_TRUSTED_ORIGINS"] = f"http://localhost:{args.port},http://127.0.0.1:{args.port}"
    servers: dict[str, Server] = {}
    rows, certs, scaled = [], None, None
    try:
        if only & {"load", "certificates"}:
            servers["worker"] = Server(
                "worker",
                [
                    str(VENV / "celery"),
                    "-A",
                    "portal",
                    "worker",
                    "--loglevel=WARNING",
                    "--concurrency=2",
                    "--hostname=bench@%h",
                ],
                env,
            )
        if "load" in only:
            targets = prepare(
                host="localhost",
                **({"codes_n": 300, "residents_n": 300, "attempts_n": 100} if args.small else {}),
            )
            servers["portal"] = Server(
                "portal",
                [str(VENV / "gunicorn"), "--config", "gunicorn.conf.py", "--max-requests", "0"],
                dict(env, GUNICORN_BIND=f"127.0.0.1:{args.port}"),
                port=args.port,
            )
            servers["hello"] = Server(
                "hello",
                [
                    str(VENV / "gunicorn"),
                    "--config",
                    "gunicorn.conf.py",
                    "--max-requests",
                    "0",
                    "bench.hello_wsgi:application",
                ],
                dict(env, GUNICORN_BIND=f"127.0.0.1:{args.port + 1}"),
                port=args.port + 1,
            )
            servers["portal"].wait(f"http://127.0.0.1:{args.port}/healthz")
            servers["hello"].wait(f"http://127.0.0.1:{args.port + 1}/")
            log(f"portal :{args.port}, H :{args.port + 1}; {len(targets)} targets × {args.rounds} rounds")
            run_load(
                targets,
                servers,
                rounds=args.rounds,
                seconds=max(1.0, args.seconds / args.rounds),
                connections=args.connections,
            )
            rows = summarise(targets)
        if "certificates" in only:
            certs = certificates()
            log(f"certificates: {certs}")
    finally:
        for server in servers.values():
            server.stop()
    if "scale" in only:
        dbs = dict(x.split("=", 1) for x in args.scale_db) or {"L": os.environ["DATABASE_URL"]}
        scaled = scale(dbs)
    text = table(rows, certs, scaled)
    print()
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"bench-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "at": stamp,
                "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
                "method": f"wrk -t1 -c{args.connections}, {args.rounds} interleaved rounds, "
                f"{args.seconds} s per endpoint",
                "rows": rows,
                "certificates": certs,
                "scale": scaled,
                "table": text,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"saved {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

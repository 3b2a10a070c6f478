"""The shared instrument of the module benchmarks (bench/training.py, bench/volunteers.py, ...).

Method (a lighter, in-process form of ../shared/QUALITY.md's; `make bench`, issue 8, adds the
gunicorn production shape and load from a second process): every operation is timed in the same
process, interleaved with **H** — the bare Django hello view with no middleware and no database,
driven through the same WSGI handler machinery — so every figure is reported as a ratio to H
measured in the same run. For each operation: requests per second of one process, p50/p95/p99
wall time, CPU milliseconds per call, queries per call, and ``ratio`` = (H's mean wall time) /
(the operation's mean wall time).

Usage, from a benchmark script::

    from bench.harness import Bench

    bench = Bench("training")            # Django set up on database bench_training (created, migrated)
    if not bench.seeded("v1"):          # seed once; later runs reuse the data
        seed(...)
        bench.mark_seeded("v1")
    client = bench.client(user=some_user)   # a django.test.Client, logged in (or anonymous)
    bench.measure("check-in redeem", lambda: client.post(...), n=300)
    bench.measure("certificate PDF", lambda: render(...), n=50)   # any callable, not only requests
    bench.report()                       # prints the table, saves bench/results/training-<time>.json

Run it with the stack's PostgreSQL: ``bin/stack start`` once, then ``bin/bench training``.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _setup_django(name: str) -> None:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("bench: needs the stack's PostgreSQL: run `bin/stack start`, then `bin/bench <module>`")
    database = f"bench_{name}"
    url = base.rsplit("/", 1)[0] + "/" + database
    os.environ["BENCH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))

    import psycopg

    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def log(message: str) -> None:
    """A progress line of a seeding step, with the time."""
    print(f"[seed {time.strftime('%H:%M:%S')}] {message}", flush=True)


def bulk_areas(code: str, name: str, streets: int):
    """A district with ``streets`` streets (populations 40 000–100 000), inserted in bulk.
    Returns (district, [streets]). Paths are set as ``portal.services.area_create`` sets them."""
    from portal.models import Area

    district = Area(name=name, code=code, level=Area.Level.DISTRICT, resident_population=streets * 60_000)
    district.path = "/"
    district.save()
    district.path = f"/{district.pk}/"
    district.save(update_fields=["path"])
    made = Area.objects.bulk_create(
        [
            Area(
                name=f"{name}第{i:03d}街道",
                code=f"{code}-{i:03d}",
                level=Area.Level.STREET,
                parent=district,
                path="",
                resident_population=40_000 + (i * 977) % 60_000,
                sort_order=i,
            )
            for i in range(1, streets + 1)
        ]
    )
    for street in made:
        street.path = f"{district.path}{street.pk}/"
    Area.objects.bulk_update(made, ["path"], batch_size=1000)
    return district, made


def bulk_people(*, prefix: str, region: str, count: int, streets, offset: int = 0) -> list:
    """``count`` people with valid, distinct resident ID numbers (region code ``region``, births
    spread over 1950–2004), spread over ``streets``, inserted in bulk; ``offset`` keeps several
    calls with the same region distinct. Returns the saved Person objects."""
    import datetime

    from portal import validators
    from portal.models import Person
    from portal.selectors import id_number_hash

    people = []
    for i in range(count):
        n = offset + i
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n % 20_000)
        first17 = f"{region}{birth:%Y%m%d}{100 + n // 20_000:03d}"
        number = first17 + validators.id_check_digit(first17)
        people.append(
            Person(
                name=f"{prefix}{n:06d}",
                id_number=number,
                id_number_hash=id_number_hash(id_type=Person.IdType.RESIDENT_ID, id_number=number),
                id_number_masked=validators.mask_id_number(number),
                birth_date=birth,
                gender=Person.Gender.MALE if n % 2 else Person.Gender.FEMALE,
                area=streets[i % len(streets)],
            )
        )
    return Person.objects.bulk_create(people, batch_size=2000)


class Bench:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict] = []
        self.notes: dict = {}
        self._h_samples: list[float] = []
        _setup_django(name)
        from django.test import Client, override_settings

        # H's handler is built once with no middleware; the URL configuration is the portal's
        # plus /__hello/ (bench/urls.py), so nothing is overridden per call.
        self._hello_client = Client(HTTP_HOST="localhost")
        with override_settings(MIDDLEWARE=[]):
            self._hello_client.handler.load_middleware()

    # -- data ----------------------------------------------------------------------------
    def seeded(self, version: str) -> bool:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS bench_seed (version text PRIMARY KEY)")
            cursor.execute("SELECT 1 FROM bench_seed WHERE version = %s", [version])
            return cursor.fetchone() is not None

    def mark_seeded(self, version: str) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_seed (version) VALUES (%s) ON CONFLICT DO NOTHING", [version])

    def client(self, *, user=None):
        from django.test import Client

        client = Client(HTTP_HOST="localhost")
        if user is not None:
            client.force_login(user)
        return client

    # -- timing ----------------------------------------------------------------------------
    def _hello(self) -> float:
        started = time.perf_counter()
        response = self._hello_client.get("/__hello/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed

    def measure(self, label: str, operation: Callable[[], object], *, n: int = 200, warmup: int = 10) -> dict:
        """Call ``operation`` n times (after ``warmup`` calls), each interleaved with one H call."""
        from django.db import connection, reset_queries

        for _ in range(warmup):
            operation()
            self._hello()
        walls: list[float] = []
        cpus: list[float] = []
        queries: list[int] = []
        gc.collect()
        for _ in range(n):
            self._h_samples.append(self._hello())
            force = connection.force_debug_cursor
            connection.force_debug_cursor = True
            reset_queries()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            result = operation()
            wall = time.perf_counter() - wall0
            cpu = time.process_time() - cpu0
            queries.append(len(connection.queries))
            connection.force_debug_cursor = force
            status = getattr(result, "status_code", None)
            if status is not None and status >= 500:
                raise RuntimeError(f"{label}: HTTP {status}")
            walls.append(wall)
            cpus.append(cpu)
        h_mean = statistics.fmean(self._h_samples[-n:])
        quantiles = statistics.quantiles(walls, n=100)
        row = {
            "label": label,
            "n": n,
            "per_second": round(1 / statistics.fmean(walls), 1),
            "p50_ms": round(statistics.median(walls) * 1000, 2),
            "p95_ms": round(quantiles[94] * 1000, 2),
            "p99_ms": round(quantiles[98] * 1000, 2),
            "cpu_ms": round(statistics.fmean(cpus) * 1000, 2),
            "queries": max(queries),
            "ratio_to_h": round(h_mean / statistics.fmean(walls), 4),
            "h_ms": round(h_mean * 1000, 3),
        }
        self.rows.append(row)
        print(f"  {label}: p50 {row['p50_ms']} ms, {row['ratio_to_h']} × H", flush=True)
        return row

    def note(self, key: str, value) -> None:
        """A figure that is not a timing (e.g. rows in the data set)."""
        self.notes[key] = value

    # -- report ----------------------------------------------------------------------------
    def report(self) -> Path:
        header = (
            f"{'operation':40} {'n':>5} {'/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'CPU ms':>7} {'q':>3} {'× H':>8}"
        )
        print()
        print(header)
        print("-" * len(header))
        for row in self.rows:
            print(
                f"{row['label'][:40]:40} {row['n']:>5} {row['per_second']:>8} {row['p50_ms']:>8} "
                f"{row['p95_ms']:>8} {row['p99_ms']:>8} {row['cpu_ms']:>7} {row['queries']:>3} "
                f"{row['ratio_to_h']:>8}"
            )
        h = statistics.fmean(self._h_samples) * 1000 if self._h_samples else 0
        print(f"H (bare Django hello, same run): {h:.3f} ms mean")
        for key, value in self.notes.items():
            print(f"{key}: {value}")
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = RESULTS / f"{self.name}-{stamp}.json"
        path.write_text(
            json.dumps(
                {
                    "module": self.name,
                    "at": stamp,
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                    "h_ms": round(h, 3),
                    "rows": self.rows,
                    "notes": self.notes,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        print(f"saved {path.relative_to(ROOT)}")
        return path

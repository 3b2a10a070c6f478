"""One endpoint in process, for before/after figures of a single change (issue 8).

    eval "$(bin/stack env)"; DATABASE_URL=${DATABASE_URL%/*}/bench_l REDIS_URL=${REDIS_URL%/*}/2 \
        .venv/bin/python -m bench.one /volunteers/me/hours/ --user bench-volunteer [--uncached] [-n 60]
    ... -m bench.one /api/v1/quizzes/<pk>/attempts --post

Production settings (``bench.settings_production``), Django's test client in this process (no
gunicorn, no network): wall and CPU ms per request (p50/p95 wall, mean CPU), queries and Redis
commands per request. ``--uncached`` clears the cache before each call. Not a ratio to H: use it
to compare a change with the code before it, on the same database, at the same moment.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--user", default="")
    parser.add_argument("--post", action="store_true")
    parser.add_argument("--uncached", action="store_true")
    parser.add_argument("-n", type=int, default=60)
    parser.add_argument("--profile", action="store_true", help="cProfile the calls, top 25 by cumulative")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1].startswith("bench_"):
        sys.exit("bench.one: DATABASE_URL must name a bench_ database")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_production"
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import User

    client = Client(HTTP_HOST="localhost")
    if args.user:
        client.force_login(User.objects.get(username=args.user))
    redis_calls = [0]
    try:
        from django_redis import get_redis_connection

        raw = get_redis_connection("default")
        original = raw.execute_command

        def counted(*a, **k):
            redis_calls[0] += 1
            return original(*a, **k)

        raw.execute_command = counted
        pipeline_class = raw.pipeline

        def pipeline(*a, **k):
            redis_calls[0] += 1
            return pipeline_class(*a, **k)

        raw.pipeline = pipeline
    except Exception:  # noqa: BLE001 — not on django-redis: no Redis count
        print("no django-redis connection: Redis commands not counted", file=sys.stderr)
    call = client.post if args.post else client.get
    walls, cpus, queries, redis = [], [], 0, 0
    profiler = None
    for i in range(args.n + 3):
        if args.uncached:
            cache.clear()
        if i == 3 and args.profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        redis_calls[0] = 0
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            response = call(args.url)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        assert response.status_code < 400, (response.status_code, response.content[:300])
        if i >= 3:
            walls.append(wall)
            cpus.append(cpu)
            queries, redis = max(queries, len(captured)), max(redis, redis_calls[0])
    if profiler:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    q = statistics.quantiles(walls, n=20)
    print(
        json.dumps(
            {
                "url": args.url,
                "n": args.n,
                "p50_ms": round(statistics.median(walls) * 1000, 2),
                "p95_ms": round(q[18] * 1000, 2),
                "cpu_ms": round(statistics.fmean(cpus) * 1000, 2),
                "queries": queries,
                "redis_commands": redis,
                "load": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()

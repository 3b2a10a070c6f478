"""Settings for the module benchmarks (bench/*.py): the test settings on the stack's PostgreSQL.

DEBUG off, no toolbar, real password hashing off (log-ins are forced), a local-memory cache so a
benchmark measures the code, not a cache server it did not start. The database is
``BENCH_DATABASE_URL`` (bench/harness.py points it at a database of its own on the stack's
PostgreSQL), never the stack's ``portal`` database.
"""

from portal.settings.test import *  # noqa: F403
from portal.settings.test import env

DATABASES = {"default": env.db("BENCH_DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = 600
LOGGING_LEVEL = "WARNING"
ROOT_URLCONF = "bench.urls"

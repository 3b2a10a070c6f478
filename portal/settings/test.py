"""Fast, deterministic settings for pytest.

DATABASE_URL picks PostgreSQL for the PostgreSQL run; the default is SQLite.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWI="]
PII_HASH_KEY = "test-only-pii-hash-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEMO_PASSWORD = "demo-119-pass"

# Tasks run inline unless a test starts a real worker (tests/test_celery_worker.py).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = not env.bool("CELERY_WORKER_PROCESS", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

MEDIA_ROOT = BASE_DIR / "var" / "test-media"
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = False
# Scans, verification and quiz starts are not limited either (one locmem cache spans the whole
# run); tests/test_guard_ratelimit.py switches them on.
PORTAL_RATE_LIMITS = {}

# No collectstatic before tests: WhiteNoise serves from the finders instead of warning that
# STATIC_ROOT is missing (warnings are errors in pytest).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

"""The embedded default: SQLite, inline Celery tasks, local-memory cache, console SMS."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Dev-only secrets: production.py has no defaults and refuses to start without real ones.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-do-not-use-in-production")
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=["ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="]
)
PII_HASH_KEY = env("PII_HASH_KEY", default="dev-only-pii-hash-key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-119-pass")

"""gunicorn settings for the web process (read automatically from the working directory).

Environment: PORT (default 8000), GUNICORN_BIND (overrides PORT, e.g. unix:/run/portal.sock),
WEB_CONCURRENCY (worker processes, default 2), GUNICORN_TIMEOUT (seconds, default 30),
FORWARDED_ALLOW_IPS (proxies trusted for X-Forwarded-*, default 127.0.0.1). See docs/deploy.md.
"""

import os

# gunicorn is the production web server: without an explicit choice it must not fall back to
# the dev settings that portal/wsgi.py defaults to (production refuses to start without secrets).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows unbounded.
max_requests = 5000
max_requests_jitter = 500
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# An empty GUNICORN_ACCESS_LOG turns the access log off (benchmarks).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")

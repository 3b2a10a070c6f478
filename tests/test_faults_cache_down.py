"""The rate limiter while Redis is down (SQLite and PostgreSQL; the real outage is in
``test_faults_stack.py``'s broker-down run, where the cache and the broker share one Redis)."""

from portal import ratelimit


class DownCache:
    """What django-redis does with ``IGNORE_EXCEPTIONS`` while Redis refuses connections: every
    call is logged and answers ``None`` instead of raising."""

    def add(self, *args, **kwargs):
        return None

    def incr(self, *args, **kwargs):
        return None

    def set(self, *args, **kwargs):
        return None


def test_a_cache_that_is_down_limits_nobody_and_fails_no_request(monkeypatch):
    """With the cache down nothing is counted, so nobody is limited — and the scan, certificate
    check or quiz start goes on instead of failing with a server error (the limiter used to
    compare ``None > limit``: every check-in answered 500 while Redis was down)."""
    monkeypatch.setattr(ratelimit, "cache", DownCache())
    for _ in range(5):
        ratelimit.hit(scope="scan", key="user:1", limit=1)

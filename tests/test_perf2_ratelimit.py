"""The rate limiter's one-round-trip path on django-redis (``portal.ratelimit._count``): counts,
limits and expires like the cache-API path, and a Redis that is down limits nobody."""

import time

import pytest
from django.test import RequestFactory
from django_redis.cache import RedisCache

from portal import ratelimit


def _redis_cache(url: str) -> RedisCache:
    return RedisCache(
        url,
        {
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
            "KEY_PREFIX": f"perf2-{time.time_ns()}",
        },
    )


def test_redis_that_is_down_limits_nobody(monkeypatch):
    """Nothing listens on port 1: the pipeline fails, nothing is counted, no request fails."""
    monkeypatch.setattr(ratelimit, "cache", _redis_cache("redis://127.0.0.1:1/0"))
    for _ in range(5):
        ratelimit.hit(scope="scan", key="user:1", limit=1)
    request = RequestFactory().post("/api/v1/quizzes/1/attempts")
    ratelimit.check_request(request, scope="quiz_start")


@pytest.mark.redis
def test_one_round_trip_counts_limits_and_expires(monkeypatch, redis_url):
    cache = _redis_cache(redis_url)
    monkeypatch.setattr(ratelimit, "cache", cache)
    calls = []
    client = cache.client.get_client(write=True)
    real_pipeline = client.pipeline
    monkeypatch.setattr(client, "pipeline", lambda *a, **k: calls.append(1) or real_pipeline(*a, **k))

    for _ in range(3):
        ratelimit.hit(scope="scan", key="user:7", limit=3)
    with pytest.raises(ratelimit.RateLimited) as error:
        ratelimit.hit(scope="scan", key="user:7", limit=3)
    assert error.value.code == "RATE_LIMITED"
    assert len(calls) == 4  # one pipeline (one round trip) a hit
    ratelimit.hit(scope="scan", key="user:8", limit=3)  # another key is counted apart

    window = int(time.time() // 60)
    key = cache.make_key(f"rl:scan:60:user:7:{window}")
    assert cache.get(f"rl:scan:60:user:7:{window}") == 4  # the cache API reads the same counter
    assert 60 < client.ttl(key) <= 90  # expires after the window (set once, on the first hit)
    cache.delete_pattern("rl:*")  # only this test's prefix (clear() would flush the database)


@pytest.mark.redis
def test_all_rates_of_a_request_in_one_round_trip(monkeypatch, redis_url, settings):
    cache = _redis_cache(redis_url)
    monkeypatch.setattr(ratelimit, "cache", cache)
    settings.PORTAL_RATE_LIMITS = {"scan": "2/m/user,100/m/ip"}
    calls = []
    client = cache.client.get_client(write=True)
    real_pipeline = client.pipeline
    monkeypatch.setattr(client, "pipeline", lambda *a, **k: calls.append(1) or real_pipeline(*a, **k))

    class Someone:
        pk, is_authenticated = 42, True

    request = RequestFactory().post("/scan/")
    request.user = Someone()
    ratelimit.check_request(request, scope="scan")
    ratelimit.check_request(request, scope="scan")
    assert len(calls) == 2  # the user's and the IP's counter together, once per request
    with pytest.raises(ratelimit.RateLimited):
        ratelimit.check_request(request, scope="scan")
    cache.delete_pattern("rl:*")  # only this test's prefix (clear() would flush the database)

"""The one rate limiter: fixed-window counters in the Django cache (Redis in production).

Rates are written as allauth writes its ``ACCOUNT_RATE_LIMITS``: ``"120/m/user,600/m/ip"`` =
at most 120 hits a minute per account and 600 per client IP (``portal.clientip``, which believes
``X-Forwarded-For`` only from ``TRUSTED_PROXIES``). Durations: ``s``, ``m``, ``h``, ``d``, with an
optional count (``5m``). ``settings.PORTAL_RATE_LIMITS`` replaces ``DEFAULT_RATES`` per scope; a
scope missing from it is not limited (the test settings switch them off, the guard tests on).

Each request calls :func:`check_request` (views: the :func:`rate_limited` decorator; the API
raises :class:`RateLimited`, which its handler answers 429 ``RATE_LIMITED``); services that limit
by their own key (a quiz learner) call :func:`hit`.
"""

import functools
import logging
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.clientip import client_ip
from portal.errors import PortalError

logger = logging.getLogger(__name__)

DEFAULT_RATES: dict[str, str] = {
    # QR scans (training check-in, helpers, volunteer attendance): a trainer scans a queue of
    # trainees, a whole class may share one Wi-Fi; a guessing script is stopped within a minute.
    "scan": "120/m/user,600/m/ip",
    # Public certificate verification (page and API): a person checks one or two certificates.
    "certificate_verify": "20/m/ip,20/m/user",
    # Quiz start: the per-learner limit lives in courses; this one catches callers that make a new
    # anonymous learner on every request.
    "quiz_start": "30/m/ip,30/m/user",
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)([smhd])\s*/\s*(ip|user)\s*$")


class RateLimited(PortalError):
    status = 429
    CODE = "RATE_LIMITED"


@dataclass(frozen=True)
class Rate:
    amount: int
    period: int
    per: str


def parse(text: str) -> list[Rate]:
    rates = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = _RATE.match(part)
        if match is None:
            raise ValueError(f"rate limit {part!r}: expected amount/duration/per, e.g. 20/m/ip")
        amount, count, unit, per = match.groups()
        rates.append(Rate(int(amount), int(count or 1) * _UNITS[unit], per))
    return rates


def rates_for(scope: str) -> list[Rate]:
    configured = getattr(settings, "PORTAL_RATE_LIMITS", DEFAULT_RATES)
    return parse(configured.get(scope, "")) if configured else []


def _error() -> RateLimited:
    return RateLimited(_("Too many tries in a short time. Please wait a minute."), code=RateLimited.CODE)


def _redis():
    """The raw redis-py client behind a django-redis cache, or None (LocMem, other backends)."""
    get_client = getattr(getattr(cache, "client", None), "get_client", None)
    if get_client is None:
        return None
    try:
        return get_client(write=True)
    except Exception:  # noqa: BLE001 — cannot even build a client: count through the cache API
        return None


def _count(keys: list[tuple[str, int]]) -> list[int | None]:
    """Add one to each counter (``(key, ttl seconds)``, the ttl set on its first hit); answers
    the counts, None where nothing could be counted.

    On django-redis: one round trip for all of them (a pipeline of ``INCR`` + ``EXPIRE NX`` per
    key — Redis ≥ 7), against the same keys the cache API names (``cache.make_key``). Elsewhere
    (LocMem in tests and the embedded mode): ``add`` + ``incr`` per key through the cache API."""
    client = _redis()
    if client is not None:
        from redis.exceptions import RedisError

        try:
            pipe = client.pipeline(transaction=False)
            for key, ttl in keys:
                full = cache.make_key(key)
                pipe.incr(full)
                pipe.expire(full, ttl, nx=True)
            replies = pipe.execute()
        except (RedisError, OSError) as error:  # Redis down or slow: nothing counted, nobody limited
            logger.warning("rate limiter: the cache is unreachable, nothing counted (%s)", error)
            return [None] * len(keys)
        return [int(count) for count in replies[0::2]]
    counts: list[int | None] = []
    for key, ttl in keys:
        cache.add(key, 0, ttl)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, ttl)
            count = 1
        counts.append(count)
    return counts


def _hit_all(hits: list[tuple[str, str, int, int]]) -> None:
    """Count ``(scope, key, limit, period)`` hits together (one round trip on Redis); past any
    limit raise ``RATE_LIMITED``. A count of None (cache down) limits nobody."""
    now = time.time()
    keys = [(f"rl:{s}:{period}:{key}:{int(now // period)}", period + 30) for s, key, _, period in hits]
    for count, (_scope, _key, limit, _period) in zip(_count(keys), hits, strict=True):
        if count is not None and count > limit:
            raise _error()


def hit(*, scope: str, key: str, limit: int, period: int = 60) -> None:
    """Count one hit of ``key`` in the current window of ``period`` seconds; past ``limit`` raise
    ``RATE_LIMITED``. A cache that is down locks nobody out: Redis errors are ignored by the
    cache backend (``IGNORE_EXCEPTIONS``, incr answers None) or by the pipeline here, and then
    nothing is counted."""
    _hit_all([(scope, key, limit, period)])


def check_request(request: HttpRequest, *, scope: str) -> None:
    """Count this request against ``scope``'s rates, per account and per client IP (all of them
    in one cache round trip)."""
    user = getattr(request, "user", None)
    hits = []
    for rate in rates_for(scope):
        if rate.per == "ip":
            key = f"ip:{client_ip(request)}"
        elif user is not None and user.is_authenticated:
            key = f"user:{user.pk}"
        else:
            continue
        hits.append((scope, key, rate.amount, rate.period))
    if hits:
        _hit_all(hits)


def too_many_response(request: HttpRequest, error: RateLimited) -> HttpResponse:
    payload = {"ok": False, "code": error.code, "result": error.code, "message": error.message}
    accept = request.headers.get("Accept", "")
    if "application/json" in accept or request.headers.get("X-Requested-With"):
        response = JsonResponse(payload, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "portal/rate_limited.html", {"error": error}, status=429)
    response["Retry-After"] = "60"
    return response


def rate_limited(scope: str, *, methods: tuple[str, ...] = ("POST",)):
    """View decorator: ``methods`` requests count against ``scope``; past the rate, 429."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                try:
                    check_request(request, scope=scope)
                except RateLimited as error:
                    return too_many_response(request, error)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

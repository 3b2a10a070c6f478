"""`make bench`'s web settings: the production settings, with the per-IP rate limits raised.

A load generator sends every request from 127.0.0.1, so the production limits (30 quiz starts and
600 scans a minute per IP) would answer 429 within a second. The limiter still runs on every
request (same cache round trips), only its ceilings are a million times higher. Nothing else
differs from ``portal.settings.production``.
"""

from portal.settings.production import *  # noqa: F403

try:
    from portal.ratelimit import DEFAULT_RATES
except ImportError:  # a tree without the kernel's limiter
    DEFAULT_RATES = {}

PORTAL_RATE_LIMITS = {
    scope: ",".join(f"{1_000_000}/{part.split('/', 1)[1]}" for part in rates.split(","))
    for scope, rates in DEFAULT_RATES.items()
}
ACCOUNT_RATE_LIMITS = False

"""The whole-page cache for anonymous visitors of Wagtail pages (issue 8, QUALITY.md P1/P2).

``AnonymousPageCacheMiddleware`` is the first middleware: a hit is answered from one cache round
trip (``get_many`` of the page and the current *generation*), before sessions, CSRF, auth and
Wagtail's routing run. What may be stored and served, and to whom:

* **Served** only to a request that cannot be anyone: GET, no session cookie, no messages
  cookie, no ``Authorization`` header. A signed-in visitor (or one whose session holds anything,
  e.g. a passed page password) carries a session cookie and always gets a freshly rendered page —
  never the anonymous one and never someone else's, because only anonymous pages are ever stored.
* **Stored** only when the full middleware chain has run and the response is a Wagtail page
  (``wagtail.views.serve``) answered 200 to an anonymous user, with no ``Set-Cookie`` (no
  session or language cookie made on the way), no CSRF token used (a page with a form is never
  shared: its token would leak), nothing ``private``/``no-store``, not streaming.
* **Key**: scheme, host, language (the language cookie, as ``ChineseFirstLocaleMiddleware``
  reads it), full path with query string.

Invalidation: every entry carries the generation it was rendered under; ``invalidate()``
replaces the generation, so every stored page is stale at once (one key, nothing to scan).
``home`` calls it with its fragment cache (publish, unpublish, delete, move of any page; target,
plan period, channel changes; volunteer approvals and role-model decisions — the progress
figures). Other figures (learners, quiz answers, trainees passed) are counted by modules that
change them hundreds of times a minute at peak and do not signal: entries also expire after
``SECONDS``.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

GENERATION_KEY = "pagecache:generation"
SECONDS = 60
# For pages only publishing changes (articles: ``response.page_cache_seconds``).
UNCHANGING_SECONDS = 600
HIT_HEADER = "X-Page-Cache"
_MESSAGES_COOKIE = "messages"


def _bump() -> None:
    cache.set(GENERATION_KEY, str(time.time_ns()), None)


def invalidate() -> None:
    """Every cached page is stale from now on (and again when the current transaction commits, so
    a request rendering between this call and the commit cannot store the old state for long)."""
    _bump()
    transaction.on_commit(_bump)


def _wagtail_serve():
    from wagtail.views import serve

    return serve


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}
        self.serve = _wagtail_serve()

    def _key(self, request) -> str | None:
        if request.method != "GET":
            return None
        cookies = request.COOKIES
        if settings.SESSION_COOKIE_NAME in cookies or _MESSAGES_COOKIE in cookies:
            return None
        if "HTTP_AUTHORIZATION" in request.META:
            return None
        try:
            host = request.get_host()
        except Exception:  # noqa: BLE001 — DisallowedHost: let the normal chain answer 400
            return None
        chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        path = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
        return f"pagecache:{request.scheme}:{host}:{language}:{path}"

    def __call__(self, request):
        key = self._key(request)
        generation = None
        if key is not None:
            found = cache.get_many([GENERATION_KEY, key])
            generation = found.get(GENERATION_KEY)
            entry = found.get(key)
            if entry is not None and generation is not None and entry[0] == generation:
                _gen, status, headers, content = entry
                response = HttpResponse(content, status=status)
                for name, value in headers:
                    response.headers[name] = value
                response.headers[HIT_HEADER] = "hit"
                return response
        response = self.get_response(request)
        if key is not None and self._storable(request, response):
            if generation is None:
                generation = str(time.time_ns())
                cache.add(GENERATION_KEY, generation, None)
                generation = cache.get(GENERATION_KEY, generation)
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != HIT_HEADER.lower()]
            seconds = getattr(response, "page_cache_seconds", SECONDS)
            cache.set(key, (generation, response.status_code, headers, response.content), seconds)
            response.headers[HIT_HEADER] = "miss"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is self.serve:
            request._pagecache_candidate = True

    def _storable(self, request, response) -> bool:
        if not getattr(request, "_pagecache_candidate", False):
            return False
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if request.META.get("CSRF_COOKIE_USED"):
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        control = response.headers.get("Cache-Control", "").lower()
        return "private" not in control and "no-store" not in control and "no-cache" not in control

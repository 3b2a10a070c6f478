"""The shared fragment cache of the campaign pages.

The data-heavy part of the district home page (live progress figures, article and event lists,
hubs, doors) is the same for every visitor, signed in or not: it holds nothing about the user
(no names, no CSRF token, no permissions), so it is cached as rendered HTML per page and language
and shared by all. The page around it (header with the user's name, the Wagtail user bar, CSRF
tokens) is rendered for each request as before, so a signed-in page never comes from someone
else's cache.

Invalidation: every key carries a *generation* that ``invalidate()`` replaces. The receivers in
``home/signals.py`` call it when a page is published, unpublished or deleted and when a target,
plan period or channel changes, so a published article shows at once. The figures themselves are
counted by other modules (a volunteer registering, a trainee passing) that do not tell this app:
fragments also expire after ``FRAGMENT_SECONDS``, so a figure is at most that old.
"""

import time
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from portal import pagecache

GENERATION_KEY = "home:fragment-generation"
FRAGMENT_SECONDS = 60


def generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = str(time.time_ns())
        cache.set(GENERATION_KEY, value, None)
    return value


def invalidate() -> None:
    """Drop every fragment, and every whole page of the anonymous page cache
    (``portal/pagecache.py``), which holds these fragments inside the pages it keeps."""
    _bump()
    transaction.on_commit(_bump)  # again once committed: no fragment of the old state outlives it
    pagecache.invalidate()


def _bump() -> None:
    cache.set(GENERATION_KEY, str(time.time_ns()), None)


def fragment(
    *, name: str, page_id: int, template: str, build: Callable[[], dict], request=None
) -> SafeString:
    """The HTML of ``template`` rendered with ``build()``, cached per page, language and generation.
    ``build`` runs (and queries) only on a miss. The template must not use ``user`` or ``csrf_token``."""
    key = f"home:{name}:{page_id}:{get_language()}:{generation()}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(template, build(), request=request)
        cache.set(key, str(html), FRAGMENT_SECONDS)
    return mark_safe(html)  # noqa: S308 — our own template's output, escaped when rendered

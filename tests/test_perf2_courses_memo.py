"""The courses memo reads its content token once a request (not at every call), and a change
made during the request is still seen at once (``courses.caching``)."""

from django.core.cache import cache
from django.core.signals import request_finished, request_started

from courses import caching


class CountingCache:
    def __init__(self):
        self.gets = 0

    def get(self, key, default=None):
        self.gets += 1
        return cache.get(key, default)

    def __getattr__(self, name):
        return getattr(cache, name)


def test_token_is_read_once_a_request_and_again_after_a_change(monkeypatch):
    cache.set(caching.TOKEN_KEY, "before", None)
    counting = CountingCache()
    monkeypatch.setattr(caching, "cache", counting)
    request_started.send(sender=None)
    try:
        first = caching._current()
        caching._current()
        caching._current()
        assert counting.gets == 1
        caching._new_token()  # content_changed() during the request (an admin edit)
        assert caching._current() is not first  # a new memo for the new token
        assert counting.gets == 2
    finally:
        request_finished.send(sender=None)
    caching._current()
    caching._current()
    assert counting.gets == 4  # outside a request (Celery, shell) every call reads it


def test_menu_link_is_kept_per_host_until_the_content_changes(monkeypatch):
    built = []
    request_started.send(sender=None)
    try:
        for _ in range(3):
            assert caching.home_url(host="https://a", build=lambda: built.append(1) or "/learn/") == "/learn/"
        caching.home_url(host="https://b", build=lambda: built.append(1) or "/b/")
        assert len(built) == 2
        caching._new_token()
        caching.home_url(host="https://a", build=lambda: built.append(1) or "/learn/")
        assert len(built) == 3
    finally:
        request_finished.send(sender=None)

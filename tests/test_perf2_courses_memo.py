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
    caching._request_started()
    try:
        first = caching._current()
        caching._current()
        caching._current()
        assert counting.gets == 1
        caching._new_token()  # content_changed() during the request (an admin edit)
        assert caching._current() is not first  # a new memo for the new token
        assert counting.gets == 2
    finally:
        caching._request_finished()
    caching._current()
    caching._current()
    assert counting.gets == 4  # outside a request (Celery, shell) every call reads it


def test_menu_link_is_kept_per_host_until_the_content_changes(monkeypatch):
    built = []
    caching._request_started()
    try:
        for _ in range(3):
            assert caching.home_url(host="https://a", build=lambda: built.append(1) or "/learn/") == "/learn/"
        caching.home_url(host="https://b", build=lambda: built.append(1) or "/b/")
        assert len(built) == 2
        caching._new_token()
        caching.home_url(host="https://a", build=lambda: built.append(1) or "/learn/")
        assert len(built) == 3
    finally:
        caching._request_finished()


def test_the_request_signals_are_connected():
    """Django sends these around every request (the receivers above are called by hand: the
    signals also close database connections, which these tests without a database must not)."""
    assert caching._request_started in [entry[1]() for entry in request_started.receivers]
    assert caching._request_finished in [entry[1]() for entry in request_finished.receivers]

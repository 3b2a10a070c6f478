from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def _demo_seeded(django_db_setup, django_db_blocker):
    """The demo data, loaded once per test module inside a transaction rolled back at its end.

    Each test still runs in its own savepoint (the ``db`` fixture), so what a test writes is undone
    after it; the seed (about 10 s) is not repeated for every test.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture
def seed_output(_demo_seeded, db) -> str:
    """The demo data, loaded as `manage.py seed_demo` loads it; returns what the command printed."""
    cache.clear()  # Wagtail caches the site root paths
    return _demo_seeded


@pytest.fixture
def xc(seed_output):
    """西城's home page (the default site) after the demo seed."""
    from home.models import HomePage

    return HomePage.objects.get(district__code="xc")


@pytest.fixture
def xc_articles(xc):
    from home.models import ArticleIndexPage

    return ArticleIndexPage.objects.child_of(xc).get()

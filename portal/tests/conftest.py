"""Kernel fixtures: a small area tree (two streets of 西城, one street of 和平), staff per role."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal import services
from portal.models import Area, Role, User
from portal.tests.factories import AreaFactory, PersonFactory, UserFactory


def celery_use_broker(*, eager: bool, broker_url: str) -> None:
    """Point the Celery app at another broker (or back inline).

    The app keeps a connection pool and a producer pool for the broker it first used; they are
    dropped so the next send connects to ``broker_url``.
    """
    from portal.celery import app

    app.conf.task_always_eager, app.conf.broker_url = eager, broker_url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def celery_eager() -> Iterator[None]:
    """Jobs run inline in every test; a test that switches to a broker is switched back."""
    from portal.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = True
    yield
    if (app.conf.task_always_eager, app.conf.broker_url) != (True, saved[1]):
        celery_use_broker(eager=saved[0], broker_url=saved[1])
    app.conf.task_always_eager = saved[0]
    services._broker_down_until = 0.0


@pytest.fixture
def private_media(settings, tmp_path: Path) -> Path:
    """Certificate PDFs go to a directory of this test's own."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


# ------------------------------------------------------------------------------
# Areas: 西城区 → 金融街街道 → 丰盛社区, 西城区 → 什刹海街道; 和平区 → 劝业场街道
# ------------------------------------------------------------------------------
@pytest.fixture
def district(db) -> Area:
    return AreaFactory(name="西城区", code="xc", resident_population=1_106_000)


@pytest.fixture
def street(district: Area) -> Area:
    return AreaFactory(name="金融街街道", code="xc-jrj", parent=district)


@pytest.fixture
def community(street: Area) -> Area:
    return AreaFactory(name="丰盛社区", code="xc-jrj-fs", parent=street)


@pytest.fixture
def other_street(district: Area) -> Area:
    return AreaFactory(name="什刹海街道", code="xc-sch", parent=district)


@pytest.fixture
def other_district(db) -> Area:
    return AreaFactory(name="和平区", code="hp", resident_population=355_000)


@pytest.fixture
def other_district_street(other_district: Area) -> Area:
    return AreaFactory(name="劝业场街道", code="hp-qyc", parent=other_district)


# ------------------------------------------------------------------------------
# Users: every role is assigned through services.role_assign
# ------------------------------------------------------------------------------
@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(role: str | None = None, area: Area | None = None, **kwargs) -> User:
        user = UserFactory(**kwargs)
        if role is not None:
            services.role_assign(user=user, role=role, area=area)
        return user

    return make


@pytest.fixture
def district_admin(make_user, district: Area) -> User:
    return make_user(Role.DISTRICT_ADMIN, district)


@pytest.fixture
def street_coordinator(make_user, street: Area) -> User:
    return make_user(Role.STREET_COORDINATOR, street)


@pytest.fixture
def other_street_coordinator(make_user, other_street: Area) -> User:
    return make_user(Role.STREET_COORDINATOR, other_street)


@pytest.fixture
def other_district_admin(make_user, other_district: Area) -> User:
    return make_user(Role.DISTRICT_ADMIN, other_district)


@pytest.fixture
def other_district_coordinator(make_user, other_district_street: Area) -> User:
    return make_user(Role.STREET_COORDINATOR, other_district_street)


@pytest.fixture
def resident(make_user) -> User:
    return make_user(Role.RESIDENT)


@pytest.fixture
def volunteer(make_user) -> User:
    return make_user(Role.VOLUNTEER)


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser(username="root", email="root@example.org", password="root-119-pass")


# ------------------------------------------------------------------------------
# People
# ------------------------------------------------------------------------------
@pytest.fixture
def person(community: Area, resident: User):
    """A resident of 丰盛社区 (金融街街道, 西城区) with an account."""
    return PersonFactory(name="张晓明", phone="13812345678", area=community, user=resident)

"""Fixtures for the courses tests: a district with a course catalogue and a bank of questions."""

import pytest
from django.core.cache import cache

from courses.tests.factories import QuestionFactory, course_index
from portal.tests.factories import DistrictFactory, StreetFactory


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def district(db):
    return DistrictFactory(name="和平区", code="hp-t", resident_population=1000)


@pytest.fixture
def streets(district):
    return [
        StreetFactory(name="南市街道", code="hp-t-ns", parent=district, resident_population=400),
        StreetFactory(name="劝业场街道", code="hp-t-qy", parent=district, resident_population=600),
    ]


@pytest.fixture
def index(district):
    return course_index(district=district)


@pytest.fixture
def bank(db):
    return QuestionFactory.create_batch(12)

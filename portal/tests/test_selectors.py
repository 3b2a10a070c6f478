from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from portal import metrics, selectors
from portal.models import Area, Metric, Organisation, Person, Role, Target
from portal.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    PersonFactory,
    PlanPeriodFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(district, street, community, other_street, other_district, other_district_street):
    """Every area of the conftest tree plus one record per area to scope."""
    areas = {
        "district": district,
        "street": street,
        "community": community,
        "other_street": other_street,
        "other_district": other_district,
        "other_district_street": other_district_street,
    }
    for name, area in areas.items():
        OrganisationFactory(area=area, name=f"{name}单位")
    return areas


def _names(queryset) -> set[str]:
    return {str(obj) for obj in queryset}


# ------------------------------------------------------------------------------
# areas_visible_to / visible_to / user_can_act_in
# ------------------------------------------------------------------------------
def test_street_staff_see_their_street_and_its_communities_only(tree, street_coordinator):
    assert _names(selectors.areas_visible_to(user=street_coordinator)) == {"金融街街道", "丰盛社区"}
    assert _names(selectors.visible_to(Organisation.objects.all(), user=street_coordinator)) == {
        "street单位",
        "community单位",
    }


def test_district_admin_sees_the_whole_district_but_not_another(tree, district_admin):
    assert _names(selectors.areas_visible_to(user=district_admin)) == {
        "西城区",
        "金融街街道",
        "丰盛社区",
        "什刹海街道",
    }
    assert _names(selectors.visible_to(Organisation.objects.all(), user=district_admin)) == {
        "district单位",
        "street单位",
        "community单位",
        "other_street单位",
    }


@pytest.mark.parametrize("user_fixture", ["resident", "volunteer"])
def test_residents_and_volunteers_see_nothing(request, tree, user_fixture):
    user = request.getfixturevalue(user_fixture)

    assert not selectors.areas_visible_to(user=user).exists()
    assert not selectors.visible_to(Organisation.objects.all(), user=user).exists()
    assert not selectors.user_can_act_in(user=user, area=tree["community"])


def test_resident_given_an_area_still_sees_nothing(tree, make_user):
    """The area only counts for staff roles: a resident with an address is no coordinator."""
    user = make_user(Role.RESIDENT, tree["street"])

    assert not selectors.areas_visible_to(user=user).exists()
    assert not selectors.user_can_act_in(user=user, area=tree["street"])


def test_anonymous_visitor_sees_nothing(tree):
    anonymous = AnonymousUser()

    assert not selectors.areas_visible_to(user=anonymous).exists()
    assert not selectors.visible_to(Organisation.objects.all(), user=anonymous).exists()
    assert not selectors.user_can_act_in(user=anonymous, area=tree["street"])


def test_superuser_sees_everything(tree, superuser):
    assert selectors.areas_visible_to(user=superuser).count() == Area.objects.count() == 6
    assert selectors.visible_to(Organisation.objects.all(), user=superuser).count() == 6
    assert all(selectors.user_can_act_in(user=superuser, area=area) for area in tree.values())


def test_user_can_act_in_follows_the_same_tree(tree, street_coordinator, district_admin):
    assert selectors.user_can_act_in(user=street_coordinator, area=tree["street"])
    assert selectors.user_can_act_in(user=street_coordinator, area=tree["community"])
    assert not selectors.user_can_act_in(user=street_coordinator, area=tree["district"])
    assert not selectors.user_can_act_in(user=street_coordinator, area=tree["other_street"])
    assert not selectors.user_can_act_in(user=street_coordinator, area=tree["other_district_street"])
    assert selectors.user_can_act_in(user=district_admin, area=tree["other_street"])
    assert not selectors.user_can_act_in(user=district_admin, area=tree["other_district"])


def test_user_can_act_in_checks_the_role_when_asked(tree, street_coordinator, district_admin):
    assert not selectors.user_can_act_in(
        user=street_coordinator, area=tree["community"], roles={Role.DISTRICT_ADMIN}
    )
    assert selectors.user_can_act_in(user=district_admin, area=tree["community"], roles={Role.DISTRICT_ADMIN})


def test_street_staff_do_not_see_siblings_whose_ids_share_leading_digits(
    district, street_coordinator, street
):
    """Street /1/2/ must not see a sibling whose id starts with the same digits (/1/23/)."""
    siblings = [AreaFactory(parent=district) for _ in range(25)]

    visible = selectors.areas_visible_to(user=street_coordinator)

    assert not set(visible) & set(siblings)


def test_visible_to_follows_another_area_field(tree, street_coordinator):
    inside = PersonFactory(area=tree["community"])
    PersonFactory(area=tree["other_street"])
    employer = OrganisationFactory(area=tree["other_district_street"])
    employed_elsewhere = PersonFactory(area=tree["community"], organisation=employer)

    people = selectors.visible_to(Person.objects.all(), user=street_coordinator)
    by_employer = selectors.visible_to(
        Person.objects.filter(organisation__isnull=False),
        user=street_coordinator,
        area_field="organisation__area",
    )

    assert set(people) == {inside, employed_elsewhere}
    assert not by_employer.exists()


def test_staff_users_in_an_area(tree, street_coordinator, other_street_coordinator, district_admin):
    assert set(selectors.staff_users_in(area=tree["district"], role=Role.STREET_COORDINATOR)) == {
        street_coordinator,
        other_street_coordinator,
    }
    assert list(selectors.staff_users_in(area=tree["street"], role=Role.STREET_COORDINATOR)) == [
        street_coordinator
    ]
    street_coordinator.is_active = False
    street_coordinator.save()
    assert not selectors.staff_users_in(area=tree["street"], role=Role.STREET_COORDINATOR).exists()


def test_districts_and_streets_of(tree):
    assert set(selectors.districts()) == {tree["district"], tree["other_district"]}
    assert set(selectors.streets_of(district=tree["district"])) == {tree["street"], tree["other_street"]}


# ------------------------------------------------------------------------------
# Plan periods and target progress
# ------------------------------------------------------------------------------
@pytest.fixture
def empty_metric_registry(monkeypatch) -> dict:
    """Each test starts with no metric registered; whatever it registers is dropped after."""
    registry: dict = {}
    monkeypatch.setattr(metrics, "_registry", registry)
    return registry


@pytest.fixture
def plan(district):
    period = PlanPeriodFactory(district=district, name="十四五", start_year=2021, end_year=2025)
    volunteers = TargetFactory(period=period, metric=Metric.REGISTERED_VOLUNTEERS, value=Decimal(3000))
    trainees = TargetFactory(
        period=period, metric=Metric.TRAINEES_PASSED_PER_YEAR, value=Decimal(25000), unit="人/年"
    )
    return period, volunteers, trainees


def test_current_plan_period_is_the_one_covering_the_year(district, plan):
    period, _volunteers, _trainees = plan
    next_period = PlanPeriodFactory(district=district, name="十五五", start_year=2026, end_year=2030)

    assert selectors.plan_period_current(district=district, year=2023) == period
    assert selectors.plan_period_current(district=district, year=2026) == next_period


def test_after_the_last_period_the_latest_one_stays_current(district, plan):
    period, _volunteers, _trainees = plan

    assert selectors.plan_period_current(district=district, year=2027) == period


def test_targets_progress_reports_none_for_unmeasured_metrics(district, plan, empty_metric_registry):
    _period, volunteers, trainees = plan

    progress = selectors.targets_progress(district=district, year=2024)

    assert {item.target for item in progress} == {volunteers, trainees}
    assert all(item.actual is None and item.share is None for item in progress)


def test_targets_progress_reports_the_registered_metrics_value(district, plan, empty_metric_registry):
    _period, volunteers, _trainees = plan
    calls = []

    def registered_volunteers(*, district, year):
        calls.append((district, year))
        return 1234

    metrics.register(Metric.REGISTERED_VOLUNTEERS, registered_volunteers)

    progress = {item.target: item for item in selectors.targets_progress(district=district, year=2024)}

    assert progress[volunteers].actual == Decimal(1234)
    assert progress[volunteers].share == Decimal("41.1")
    assert calls == [(district, 2024)]
    assert metrics.is_measured(Metric.REGISTERED_VOLUNTEERS)
    assert not metrics.is_measured(Metric.TRAINEES_PASSED_PER_YEAR)
    assert all(item.actual is None for target, item in progress.items() if target != volunteers)


def test_share_is_capped_at_one_hundred_percent(district, plan, empty_metric_registry):
    metrics.register(Metric.REGISTERED_VOLUNTEERS, lambda *, district, year: 4500)

    (volunteers,) = [
        item
        for item in selectors.targets_progress(district=district, year=2024)
        if item.target.metric == Metric.REGISTERED_VOLUNTEERS
    ]

    assert volunteers.actual == Decimal(4500)
    assert volunteers.share == Decimal(100)


def test_metric_reporting_none_is_unmeasured(district, plan, empty_metric_registry):
    metrics.register(Metric.REGISTERED_VOLUNTEERS, lambda *, district, year: None)

    assert all(item.actual is None for item in selectors.targets_progress(district=district, year=2024))


def test_targets_of_another_district_or_period_are_not_reported(
    district, other_district, plan, empty_metric_registry
):
    old = PlanPeriodFactory(district=district, name="十三五", start_year=2016, end_year=2020)
    TargetFactory(period=old, metric=Metric.AWARENESS_RATE, value=Decimal(80), unit="%")
    TargetFactory(period=PlanPeriodFactory(district=other_district), metric=Metric.LEARNER_SHARE)

    metrics_reported = {
        item.target.metric for item in selectors.targets_progress(district=district, year=2024)
    }

    assert metrics_reported == {Metric.REGISTERED_VOLUNTEERS, Metric.TRAINEES_PASSED_PER_YEAR}


def test_district_without_a_plan_has_no_targets(other_district):
    assert selectors.targets_progress(district=other_district, year=2024) == []
    assert not Target.objects.exists()

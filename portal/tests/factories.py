"""factory_boy factories for the kernel. Records with derived columns go through the services.

Areas need their materialised ``path`` and people their hashes and masks, so those factories
create through ``portal.services`` instead of saving the model directly.
"""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from portal import services, validators
from portal.models import Area, Metric, Organisation, Person, PlanPeriod, Target, User

LOCALE = "zh_CN"


def zh(provider: str, **kwargs) -> factory.Faker:
    return factory.Faker(provider, locale=LOCALE, **kwargs)


def resident_id_number(*, region: str = "110102", birth: datetime.date, sequence: int) -> str:
    """A valid GB 11643 resident ID number: region, birth date, 3-digit sequence, check digit."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + validators.id_check_digit(first17)


def _unique_id_number(n: int) -> str:
    # One birth date per sequence number keeps numbers unique without a retry loop.
    birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=n)
    return resident_id_number(birth=birth, sequence=100 + n % 800)


# ------------------------------------------------------------------------------
# Areas
# ------------------------------------------------------------------------------
class AreaFactory(factory.Factory):
    """A district by default; pass ``parent`` for a street, community or grid."""

    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"测试区{n}")
    code = factory.Sequence(lambda n: f"a{n}")
    parent = None
    resident_population = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Area:
        return services.area_create(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> Area:
        raise NotImplementedError("Areas need a database id for their path; use create().")


class DistrictFactory(AreaFactory):
    name = factory.Sequence(lambda n: f"测试{n}区")
    resident_population = 500_000


class StreetFactory(AreaFactory):
    name = factory.Sequence(lambda n: f"测试{n}街道")
    parent = factory.SubFactory(DistrictFactory)


class CommunityFactory(AreaFactory):
    name = factory.Sequence(lambda n: f"测试{n}社区")
    parent = factory.SubFactory(StreetFactory)


# ------------------------------------------------------------------------------
# Users and people
# ------------------------------------------------------------------------------
class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    display_name = zh("name")
    password = "correct-horse-119"

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> User:
        return model_class.objects.create_user(*args, **kwargs)


class PersonFactory(factory.Factory):
    """A resident-ID person created through ``services.person_create`` (hashed, masked, encrypted)."""

    class Meta:
        model = Person

    name = zh("name")
    id_number = factory.Sequence(_unique_id_number)
    phone = ""
    area = None
    organisation = None
    user = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Person:
        return services.person_create(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs) -> Person:
        raise NotImplementedError("People need their hashes and masks; use create().")


# ------------------------------------------------------------------------------
# Organisations and plan targets
# ------------------------------------------------------------------------------
class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试物业服务有限公司{n}")
    kind = Organisation.Kind.PROPERTY
    area = factory.SubFactory(StreetFactory)
    address = zh("street_address")
    contact_name = zh("name")


class PlanPeriodFactory(DjangoModelFactory):
    class Meta:
        model = PlanPeriod

    district = factory.SubFactory(DistrictFactory)
    name = "十四五"
    start_year = 2021
    end_year = 2025
    plan_title = factory.LazyAttribute(
        lambda period: f"{period.district.name}“十四五”时期消防事业发展建设规划"
    )


class TargetFactory(DjangoModelFactory):
    class Meta:
        model = Target

    period = factory.SubFactory(PlanPeriodFactory)
    metric = Metric.REGISTERED_VOLUNTEERS
    kind = Target.Kind.TARGET
    comparison = Target.Comparison.AT_LEAST
    value = Decimal(3000)
    unit = "人"
    source = factory.Sequence(lambda n: f"消防事业发展建设规划 · 第{n}节")


def wagtail_root():
    """Wagtail's root page, put back with the default locale and the root collection if a
    transactional test flushed them.

    A ``TransactionTestCase`` (live server, real threads) ends with a flush: the tables the
    wagtailcore migrations filled (locale, root page, root collection for images and documents)
    are emptied and the content types are recreated under new ids, so the cached ones are dropped
    first.
    """
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    ContentType.objects.clear_cache()
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    if not Locale.objects.exists():
        Locale.objects.create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    return Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))

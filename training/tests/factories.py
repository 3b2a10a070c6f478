"""Training factories (Faker zh_CN through the kernel's ``zh``). Sessions start an hour from now
by default, so booking is open and check-in (from 60 minutes before the start) is open too."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from portal.models import Channel
from portal.tests.factories import PersonFactory, StreetFactory, zh
from training.models import Booking, PracticalItem, Session, Venue

__all__ = ["BookingFactory", "PersonFactory", "SessionFactory", "VenueFactory", "channel"]


def channel() -> Channel:
    return Channel.objects.get_or_create(code="community", defaults={"name": "进社区"})[0]


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"金融街小型消防站{n}")
    kind = Venue.Kind.SMALL_STATION
    area = factory.SubFactory(StreetFactory)
    address = zh("street_address")
    capacity = 20


class SessionFactory(DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    kind = Session.Kind.PRACTICAL
    venue = factory.SubFactory(VenueFactory)
    area = factory.LazyAttribute(lambda s: s.venue.area)
    channel = factory.LazyFunction(channel)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(minutes=50))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + datetime.timedelta(hours=2))
    capacity = 10
    booking_closes_at = factory.LazyAttribute(lambda s: s.starts_at)

    @factory.post_generation
    def items(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None and self.kind == Session.Kind.PRACTICAL:
            extracted = standard_items()
        if extracted:
            self.items.set(extracted)


def standard_items() -> list[PracticalItem]:
    """灭真火 and 出真水 as migration 0001 creates them, put back if a transactional test flushed them."""
    from importlib import import_module

    initial = import_module("training.migrations.0001_initial")
    return [
        PracticalItem.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "is_standard": True, "sort_order": order},
        )[0]
        for code, name, description, order in initial.STANDARD_ITEMS
    ]


class BookingFactory(DjangoModelFactory):
    """A booking written directly (no capacity check): for fixtures; tests of the rules use services."""

    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)
    category = 4
    status = Booking.Status.BOOKED

"""The training demo seed: every booking state, certificates issued, idempotent, resident books."""

import time_machine

from portal.demo import seed_kernel
from portal.models import Certificate, User
from training import demo, services
from training.models import Booking, Session, Venue


@time_machine.travel("2026-11-23 10:00 +0800", tick=False)
def test_seed_is_complete_and_idempotent(db, private_media, django_capture_on_commit_callbacks):
    seed_kernel()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    counts = (
        Venue.objects.count(),
        Session.objects.count(),
        Booking.objects.count(),
        Certificate.objects.count(),
    )
    assert set(Booking.objects.values_list("status", flat=True)) == set(Booking.Status.values)
    assert counts[3] > 0
    demo.seed()
    assert counts == (
        Venue.objects.count(), Session.objects.count(), Booking.objects.count(), Certificate.objects.count()
    )  # fmt: skip
    resident = User.objects.get(username="resident")
    session = (
        Session.objects.filter(venue__name="金融街小型站", status="open")
        .order_by("starts_at")
        .exclude(bookings__person__user=resident)
        .exclude(title__contains="今日")
        .first()
    )
    assert services.booking_create(session=session, user=resident).category == 2

"""Training's reconciliation checks, registered with ``portal.reconcile`` in ``TrainingConfig.ready``.

Read-only; each yields one line per problem (see ``manage.py reconcile``).
"""

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q

from portal.models import Certificate, CertificateKind, Person
from training import tally
from training.models import Booking, CheckInAttempt, Session

SAMPLE = 20


def booking_orphans(*, cutoff: datetime.datetime) -> Iterable[str]:
    """Bookings whose person or session row is missing (the foreign keys forbid it; a restore
    that skipped a table or a manual delete does not)."""
    orphans = Booking.objects.filter(
        ~Exists(Person.objects.filter(pk=OuterRef("person_id")))
        | ~Exists(Session.objects.filter(pk=OuterRef("session_id")))
    )
    for pk, person, session in orphans.values_list("pk", "person_id", "session_id")[:SAMPLE]:
        yield f"booking {pk}: person {person} or session {session} missing"


def checkin_orphans(*, cutoff: datetime.datetime) -> Iterable[str]:
    """A successful scan belongs to a booking that is checked in: no ``ok`` attempt without its
    booking, and no ``ok`` attempt whose booking shows no check-in (a half-written check-in)."""
    broken = CheckInAttempt.objects.filter(result="ok").filter(
        Q(booking__isnull=True) | Q(booking__checked_in_at__isnull=True)
    )
    for nonce, booking in broken.values_list("nonce", "booking_id")[:SAMPLE]:
        yield f"check-in {nonce}: answered ok, booking {booking or '(none)'} not checked in"


def certificates_missing(*, cutoff: datetime.datetime) -> Iterable[str]:
    """Every passed booking of a session closed before the cutoff has its certificate (the
    certificate job was not lost on the way: broker outage, killed worker)."""
    booking_type = ContentType.objects.get_for_model(Booking)
    missing = Booking.objects.filter(
        passed=True, session__status=Session.Status.CLOSED, session__closed_at__lt=cutoff
    ).exclude(
        Exists(
            Certificate.objects.filter(
                source_type=booking_type, source_id=OuterRef("pk"), kind=CertificateKind.TRAINING
            )
        )
    )
    for pk, session in missing.values_list("pk", "session_id")[:SAMPLE]:
        yield f"booking {pk} (session {session}) passed but has no certificate"


def tally_matches_recount(*, cutoff: datetime.datetime) -> Iterable[str]:
    """The dashboard's kept annual counts equal a recount from the bookings."""
    return tally.differences()[:SAMPLE]


CHECKS = {
    "training.booking_orphans": booking_orphans,
    "training.checkin_orphans": checkin_orphans,
    "training.certificates_missing": certificates_missing,
    "training.tally": tally_matches_recount,
}

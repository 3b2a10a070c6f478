"""``manage.py reconcile`` finds what the fault tests rely on it to find (SQLite and PostgreSQL).

The fault runs (``test_faults_stack.py``) call the command and expect it to pass; these tests prove
that a pass means something: each kind of loss or drift the command claims to report is planted
once and reported, with a non-zero exit.
"""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from portal import reconcile
from portal import services as kernel
from portal.models import Certificate, Channel, OutboxMessage, Role
from portal.tests.factories import StreetFactory, UserFactory
from training import services
from training.models import Booking, CheckInAttempt, PracticalItem, Tally
from training.tests import factories
from volunteers.models import HoursTally

pytestmark = pytest.mark.django_db


def _reconcile(*args: str, grace: int = 0) -> tuple[int, str]:
    """(exit status, output) of ``manage.py reconcile --grace=<grace> <args>``."""
    out = StringIO()
    try:
        call_command("reconcile", f"--grace={grace}", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def closed_session(django_capture_on_commit_callbacks, settings, tmp_path):
    """A 实操实训 session closed after three trainees were checked in and passed: three
    certificates issued and rendered (jobs inline)."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    street = StreetFactory()
    trainer = UserFactory()
    kernel.role_assign(user=trainer, role=Role.TRAINER, area=street)
    session = factories.SessionFactory(
        venue=factories.VenueFactory(area=street),
        starts_at=timezone.now() - datetime.timedelta(minutes=20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            booking = factories.BookingFactory(session=session)
            services.checkin_redeem(code="", booking=booking, nonce=f"r-{n}", scanned_by=trainer)
            services.assessment_record(
                booking=booking,
                items={PracticalItem.EXTINGUISHER: "pass", PracticalItem.HYDRANT: "pass"},
                assessed_by=trainer,
            )
        services.session_close(session=session, closed_by=trainer)
    assert Certificate.objects.exclude(pdf="").count() == 3
    return session


def test_every_app_registers_its_checks():
    """The kernel imports no domain app: training and volunteers register their checks in ready()."""
    assert set(reconcile.registered()) >= {
        "portal.outbox_pending",
        "portal.certificate_sources",
        "portal.certificate_files",
        "training.booking_orphans",
        "training.checkin_orphans",
        "training.certificates_missing",
        "training.tally",
        "volunteers.hours_tally",
    }


def test_a_consistent_database_passes(closed_session, tmp_path):
    """After check-ins, sign-off and closing (certificates rendered) every check passes, and rows
    named as expected are found."""
    booking = Booking.objects.filter(session=closed_session).first()
    expect = tmp_path / "expect.json"
    rows = [{"model": "training.booking", "filter": {"pk": booking.pk, "passed": True}}]
    expect.write_text(json.dumps(rows))
    status, output = _reconcile(f"--expect={expect}")
    assert status == 0, output
    assert "all 9 checks passed" in output


def test_a_success_answer_without_its_row_is_reported(closed_session, tmp_path):
    """A row the caller was told exists (a 201 answer) but that is not there fails the run."""
    expect = tmp_path / "expect.json"
    expect.write_text(json.dumps([{"model": "training.booking", "filter": {"pk": 999_999}}]))
    status, output = _reconcile(f"--expect={expect}")
    assert status == 1
    assert "PROBLEM  portal.expected_rows: 1" in output


def test_tally_drift_is_reported(closed_session):
    """A kept annual count that differs from a recount of the bookings."""
    Tally.objects.filter(dimension=Tally.Dimension.TOTAL).update(trained=F("trained") + 1)
    status, output = _reconcile()
    assert status == 1
    assert "PROBLEM  training.tally: 1" in output


def test_hours_tally_drift_is_reported(closed_session):
    """Kept volunteer hours without the approved records they should sum."""
    HoursTally.objects.create(area=closed_session.area, activity_type="publicity", hours=3, records=1)
    status, output = _reconcile()
    assert status == 1
    assert "PROBLEM  volunteers.hours_tally: 1" in output


def test_lost_certificate_job_is_reported(closed_session):
    """A passed booking of a closed session whose certificate never came (the job was lost)."""
    Certificate.objects.filter(pk=Certificate.objects.order_by("pk").first().pk).delete()
    status, output = _reconcile()
    assert status == 1
    assert "PROBLEM  training.certificates_missing: 1" in output


def test_unrendered_or_missing_pdf_is_reported(closed_session, tmp_path):
    """A certificate whose PDF was never rendered, and one whose file went missing."""
    first, second = Certificate.objects.order_by("pk")[:2]
    Certificate.objects.filter(pk=first.pk).update(pdf="")
    (tmp_path / second.pdf).unlink()
    status, output = _reconcile()
    assert status == 1
    assert "PROBLEM  portal.certificate_files: 2" in output


def test_certificate_whose_source_is_gone_is_reported(closed_session):
    """A certificate pointing at a record that was deleted."""
    source = Channel.objects.create(code="gone", name="已删除")
    holder = Booking.objects.filter(session=closed_session).first().person
    kernel.certificate_issue(
        kind="course",
        district=closed_session.area.parent,
        holder=holder,
        title="t",
        issuer_name="i",
        details=[],
        source=source,
    )
    source.delete()
    status, output = _reconcile()
    assert status == 1
    assert "PROBLEM  portal.certificate_sources: 1" in output


def test_half_written_check_in_is_reported(closed_session):
    """An ``ok`` answer recorded for a booking that shows no check-in, and one without a booking."""
    booking = Booking.objects.filter(session=closed_session).first()
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.BOOKED, checked_in_at=None, passed=None
    )
    CheckInAttempt.objects.create(nonce="orphan", result="ok", response={})
    status, output = _reconcile()
    assert status == 1
    assert "PROBLEM  training.checkin_orphans: 2" in output


def test_outbox_message_pending_past_the_grace_is_reported(closed_session):
    """A job the broker never received although the drain had its chance."""
    message = OutboxMessage.objects.create(task_name="portal.tasks.certificate_render_task", kwargs={})
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=an_hour_ago)
    status, output = _reconcile(grace=60)
    assert status == 1
    assert "PROBLEM  portal.outbox_pending: 1" in output
    # Within the grace it may still be on its way: not a problem yet.
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now())
    status, output = _reconcile(grace=600)
    assert status == 0, output

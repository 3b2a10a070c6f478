"""The outbox when the database goes away between a commit and the hand-over to the broker
(SQLite and PostgreSQL; the real restart is in ``test_faults_stack.py``)."""

import pytest
from django.db import OperationalError, transaction

from portal import services
from portal.models import OutboxMessage

NOTIFY = "training.tasks.booking_notify_task"


@pytest.mark.django_db(transaction=True)
def test_a_job_that_cannot_be_handed_over_does_not_undo_the_success(monkeypatch):
    """The change is committed with its job; if handing the job over then fails because the
    database went away a moment after the commit (the send cannot read the row), the caller still
    gets its success and the job stays pending for the drain — not a server error for a booking
    that exists (whose retry would then be refused as ``already_booked``)."""

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patched:
        patched.setattr(OutboxMessage.objects, "filter", database_gone)
        with transaction.atomic():
            message = services.outbox_enqueue(task_name="portal.tasks.outbox_drain_task", kwargs={})
    assert OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_booking_message_delivered_twice_is_sent_once(django_capture_on_commit_callbacks):
    """The same outbox job delivered twice (the drain resent it, or a worker died after sending
    and before acknowledging, so the broker gave it out again) sends one text message; a new job
    for the same booking and event (booked again after a cancellation) sends a new one."""
    from portal.models import SMSMessage
    from portal.tests.factories import PersonFactory
    from training.models import BookingNotice
    from training.tests.factories import BookingFactory

    booking = BookingFactory(person=PersonFactory(phone="13900000119"))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(
            task_name=NOTIFY,
            kwargs={"booking_id": booking.pk, "event": "booked"},
        )
    assert SMSMessage.objects.count() == 1
    OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None)  # as if never marked sent
    assert services.outbox_send(message_id=message.pk) is True  # delivered again, same job id
    assert SMSMessage.objects.count() == 1
    assert BookingNotice.objects.get().job == services._job_id(message)

    with django_capture_on_commit_callbacks(execute=True):
        services.outbox_enqueue(
            task_name=NOTIFY,
            kwargs={"booking_id": booking.pk, "event": "booked"},
        )
    assert SMSMessage.objects.count() == 2

"""The outbox when the database goes away between a commit and the hand-over to the broker
(SQLite and PostgreSQL; the real restart is in ``test_faults_stack.py``)."""

import pytest
from django.db import OperationalError, transaction

from portal import services
from portal.models import OutboxMessage


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

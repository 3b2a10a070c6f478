"""Thin Celery adapters: ids in, one service call. Each may run twice safely."""

from celery import shared_task

from training import services


@shared_task(acks_late=True, max_retries=5, default_retry_delay=30)
def certificate_issue_task(*, booking_id: int) -> None:
    services.training_certificate_issue(booking_id=booking_id)


@shared_task(bind=True, ignore_result=True)
def booking_notify_task(self, *, booking_id: int, event: str) -> None:
    # The job's id (the outbox row's, the same on every delivery) makes a repeat a no-op.
    services.booking_notify(booking_id=booking_id, event=event, job=self.request.id or "")


@shared_task(ignore_result=True)
def offers_expire_task() -> int:
    return services.offers_expire()


@shared_task(ignore_result=True)
def sessions_remind_task() -> int:
    return services.sessions_remind()

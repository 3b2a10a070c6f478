"""Thin Celery adapters: ids in, one service call. Each may run twice safely."""

from celery import shared_task

from training import services


@shared_task(acks_late=True, max_retries=5, default_retry_delay=30)
def certificate_issue_task(*, booking_id: int) -> None:
    services.training_certificate_issue(booking_id=booking_id)


@shared_task(ignore_result=True)
def booking_notify_task(*, booking_id: int, event: str) -> None:
    services.booking_notify(booking_id=booking_id, event=event)


@shared_task(ignore_result=True)
def offers_expire_task() -> int:
    return services.offers_expire()


@shared_task(ignore_result=True)
def sessions_remind_task() -> int:
    return services.sessions_remind()

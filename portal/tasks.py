"""Thin Celery adapters: ids in, one service call, retries declared. Each may run twice safely."""

from celery import shared_task

from portal import services


@shared_task(acks_late=True, max_retries=5, default_retry_delay=30)
def certificate_render_task(*, certificate_id: int) -> None:
    services.certificate_render(certificate_id=certificate_id)


@shared_task(ignore_result=True)
def outbox_drain_task() -> int:
    return services.outbox_drain()

"""Thin Celery adapters for courses: ids in, one service call, idempotent."""

from celery import shared_task

from courses import services


@shared_task(acks_late=True, max_retries=5, default_retry_delay=30)
def course_certificate_issue_task(*, completion_id: int) -> None:
    services.course_certificate_issue(completion_id=completion_id)

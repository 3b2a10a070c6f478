"""Thin Celery adapters for the volunteers app: one service call each, safe to run twice."""

from celery import shared_task

from volunteers import services


@shared_task(ignore_result=True)
def attendance_close_stale_task() -> int:
    """Beat, every 15 minutes: close sign-ins still open 24 hours later and flag their records."""
    return services.attendance_close_stale()

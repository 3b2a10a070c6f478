from celery import shared_task

from home import services


@shared_task
def target_snapshots_take() -> int:
    """Daily (Celery beat, see ``home.apps``): record every measured target's value for today."""
    return services.target_snapshots_take()

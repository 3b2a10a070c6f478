from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

CLOSE_STALE_SCHEDULE = {
    "volunteers-close-stale-sign-ins": {
        "task": "volunteers.tasks.attendance_close_stale_task",
        "schedule": 15 * 60.0,
    }
}


class VolunteersConfig(AppConfig):
    """Volunteer profiles, teams, activities, service hours, stars and certificates."""

    name = "volunteers"
    verbose_name = _("Volunteers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from portal import metrics, reconcile, roles, signals
        from portal.celery import app
        from portal.models import Metric
        from volunteers import receivers, selectors
        from volunteers import reconcile as checks
        from volunteers.permissions import ROLE_PERMISSIONS

        signals.volunteer_service_performed.connect(
            receivers.on_volunteer_service_performed, dispatch_uid="volunteers.service_performed"
        )
        for signal in (post_save, post_delete):
            signal.connect(
                receivers.on_service_record_changed,
                sender="volunteers.ServiceRecord",
                dispatch_uid=f"volunteers.record_changed.{signal is post_save}",
            )
        metrics.register(Metric.REGISTERED_VOLUNTEERS, selectors.registered_volunteers_count)
        metrics.register(Metric.VOLUNTEER_ROLE_MODELS, selectors.role_models_count)
        for name, check in checks.CHECKS.items():
            reconcile.register(name, check)
        for role, permissions in ROLE_PERMISSIONS.items():
            roles.extend(role, permissions)
        # Beat: close sign-ins left open for 24 hours (the settings' schedule belongs to the kernel).
        app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **CLOSE_STALE_SCHEDULE}

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

BEAT_SCHEDULE = {
    "training-expire-offers": {"task": "training.tasks.offers_expire_task", "schedule": 5 * 60.0},
    "training-remind-sessions": {"task": "training.tasks.sessions_remind_task", "schedule": 15 * 60.0},
}

ROLE_PERMISSIONS = {
    # Sessions are created through services.session_create (pages, API), not the admin form.
    "district_admin": (
        {
            f"training.{action}_{model}"
            for model in ("venue", "session", "practicalitem", "booking", "assessment", "helpershift")
            for action in ("view", "add", "change")
        }
        | {"training.view_checkinattempt", "training.delete_practicalitem"}
    )
    - {"training.add_session"},
    "trainer": {
        "wagtailadmin.access_admin",
        "training.view_venue",
        "training.view_session",
        "training.change_session",
        "training.view_practicalitem",
        "training.view_booking",
        "training.view_assessment",
        "training.add_assessment",
        "training.change_assessment",
        "training.view_helpershift",
    },
    "unit_manager": {"training.view_session", "training.view_booking", "training.add_booking"},
    "street_coordinator": {"training.view_session", "training.view_booking", "training.view_venue"},
}


class TrainingConfig(AppConfig):
    """一警六员: venues, sessions, bookings, check-in, sign-off, certificates and annual counts."""

    name = "training"
    verbose_name = _("一警六员 training")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import metrics, reconcile, roles
        from portal.celery import app
        from portal.models import Metric
        from training import reconcile as checks
        from training import selectors

        metrics.register(Metric.TRAINEES_PASSED_PER_YEAR, selectors.trainees_passed_count)
        metrics.register(Metric.TRAINEES_TRAINED_PER_YEAR, selectors.trainees_trained_count)
        for name, check in checks.CHECKS.items():
            reconcile.register(name, check)
        for role, permissions in ROLE_PERMISSIONS.items():
            roles.extend(role, permissions)
        app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **BEAT_SCHEDULE}

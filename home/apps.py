from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Campaign site")

    def ready(self) -> None:
        from celery.schedules import crontab

        from home import signals  # noqa: F401 — connects the search-text receivers
        from portal import roles
        from portal.celery import app
        from portal.models import Role

        app.conf.beat_schedule = {
            **(app.conf.beat_schedule or {}),
            "home-target-snapshots-daily": {
                "task": "home.tasks.target_snapshots_take",
                "schedule": crontab(hour=1, minute=30),
            },
        }
        roles.extend(
            Role.STREET_COORDINATOR,
            {"wagtailadmin.access_admin", "home.view_hazardreport", "home.change_hazardreport"},
        )
        roles.extend(Role.DISTRICT_ADMIN, {"home.view_hazardreport", "home.change_hazardreport"})

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal kernel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import checks  # noqa: F401 - registers the deployment checks
        from portal.roles import sync_role_permissions

        # After the last app's migrations, so every app's permissions exist.
        post_migrate.connect(sync_role_permissions, dispatch_uid="portal.sync_role_permissions")

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal kernel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal.roles import sync_role_permissions

        # After the last app's migrations, so every app's permissions exist.
        post_migrate.connect(sync_role_permissions, dispatch_uid="portal.sync_role_permissions")


class PortalUsersConfig(WagtailUsersAppConfig):
    """wagtail.users with the area-scoped, no-escalation user admin (portal/admin_users.py)."""

    user_viewset = "portal.admin_users.PortalUserViewSet"

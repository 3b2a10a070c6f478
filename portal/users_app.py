"""wagtail.users with the portal's user admin (portal/admin_users.py).

A module of its own: a second AppConfig in portal/apps.py would stop Django from choosing
``PortalConfig`` for the kernel automatically (and its ``ready()`` would silently not run), and
the views cannot be imported before the app registry is ready.
"""

from wagtail.users.apps import WagtailUsersAppConfig


class PortalUsersConfig(WagtailUsersAppConfig):
    user_viewset = "portal.admin_users.PortalUserViewSet"

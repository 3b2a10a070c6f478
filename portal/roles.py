"""Role groups and the model permissions each role holds; synced after every migrate.

Permissions say *what* a role may do; ``portal.selectors.visible_to`` says *where*.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from portal.models import Role

# role → ["app_label.codename", ...]; domain apps add theirs through ``extend``.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.DISTRICT_ADMIN: {
        "wagtailadmin.access_admin",
        "portal.view_area",
        "portal.add_area",
        "portal.change_area",
        "portal.view_organisation",
        "portal.add_organisation",
        "portal.change_organisation",
        "portal.view_planperiod",
        "portal.add_planperiod",
        "portal.change_planperiod",
        "portal.view_target",
        "portal.add_target",
        "portal.change_target",
        "portal.delete_target",
        "portal.view_certificate",
        "portal.view_auditentry",
        "portal.view_person",
        "portal.view_user",
        "portal.add_user",
        "portal.change_user",
        "portal.view_channel",
    },
    Role.EDITOR: {
        "wagtailadmin.access_admin",
        "portal.view_channel",
        "portal.add_channel",
        "portal.change_channel",
    },
    Role.STREET_COORDINATOR: {"portal.view_organisation", "portal.view_person"},
    Role.UNIT_MANAGER: set(),
    Role.TRAINER: set(),
    Role.TEAM_LEADER: set(),
    Role.VOLUNTEER: set(),
    Role.RESIDENT: set(),
}


def extend(role: str, permissions: set[str]) -> None:
    """Called by a domain app's ``AppConfig.ready()`` to grant its own model permissions."""
    ROLE_PERMISSIONS[role] |= permissions


def sync_role_permissions(**kwargs) -> None:
    """Create every role group and give it exactly the permissions listed above (idempotent)."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        query = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".", 1)
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(query))

"""Model permissions the volunteers app grants each role (``portal.roles.extend`` in ready()).
Permissions say what; ``visible_to`` and the services' checks say where and whose.

No "add" permissions: teams, activities and nominations are created through the services (pages and
API), never by a bare admin form that would skip their rules."""

from portal.models import Role


def _perms(model: str, *actions: str) -> set[str]:
    return {f"volunteers.{action}_{model}" for action in actions}


ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.DISTRICT_ADMIN: (
        _perms("volunteerprofile", "view", "change")
        | _perms("team", "view", "change")
        | _perms("activity", "view", "change")
        | _perms("servicerecord", "view", "change")
        | _perms("rolemodel", "view", "change")
        | _perms("starlevelsetting", "view", "add", "change")
        | _perms("certificatesetting", "view", "add", "change")
        | _perms("starnotice", "view")
        | _perms("correctionrequest", "view")
    ),
    Role.STREET_COORDINATOR: (
        {"wagtailadmin.access_admin"}
        | _perms("volunteerprofile", "view", "change")
        | _perms("team", "view", "change")
        | _perms("activity", "view", "change")
        | _perms("servicerecord", "view", "change")
        | _perms("rolemodel", "view")
        | _perms("starnotice", "view")
        | _perms("correctionrequest", "view")
    ),
    Role.TEAM_LEADER: (
        _perms("team", "view") | _perms("activity", "view", "change") | _perms("servicerecord", "view")
    ),
}

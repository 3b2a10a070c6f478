"""Deployment checks of the portal's own (``manage.py check --deploy``; bin/test runs it)."""

from pathlib import Path

from django.conf import settings
from django.core import checks
from django.core.checks import Tags, register


@register(Tags.security, deploy=True)
def media_outside_code_tree(app_configs, **kwargs) -> list[checks.Warning]:
    """Uploaded files never live in the code tree: a deploy that replaces the code must not touch
    them, and nothing uploaded can end up beside (or be served as) code."""
    code = Path(settings.BASE_DIR).resolve()
    problems = []
    for name, example in (("MEDIA_ROOT", "media"), ("PRIVATE_MEDIA_ROOT", "private")):
        path = Path(getattr(settings, name)).resolve()
        if path == code or code in path.parents:
            problems.append(
                checks.Warning(
                    f"{name} ({path}) is inside the code tree ({code}).",
                    hint=f"Set {name} to a directory of its own, e.g. /srv/fire-portal/{example}.",
                    id="portal.W001",
                )
            )
    return problems


@register(Tags.security, deploy=True)
def csp_without_inline_script(app_configs, **kwargs) -> list[checks.Warning]:
    """The public site's policy allows no inline script (portal.csp)."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", {})
    scripts = policy.get("script-src", policy.get("default-src", []))
    if not scripts or "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "*" in scripts:
        return [checks.Warning("CONTENT_SECURITY_POLICY allows inline or any script.", id="portal.W002")]
    return []

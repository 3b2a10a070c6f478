"""Content-Security-Policy and Permissions-Policy headers on every response.

Django 5.2 has no CSP of its own. The public site runs with no inline script and no ``<style>``
element at all (``script-src 'self'``): an injected ``<script>`` or ``onclick=`` does nothing even
if escaping ever failed. Two deliberate relaxations, both in settings (``CONTENT_SECURITY_POLICY``):

- ``style-src-attr 'unsafe-inline'``: progress bars and chart boxes set their width or height in a
  ``style`` attribute from a number the server computed; a style attribute cannot run script.
- Wagtail's and Django's admin (``CONTENT_SECURITY_POLICY_ADMIN``, staff only, behind log-in)
  still ship inline scripts in a few widgets (date pickers, inline panels), so under ``/admin/``
  and ``/django-admin/`` inline scripts and styles are allowed, and pages may be framed by the
  same origin (Wagtail's live preview).

A view that sets its own header keeps it.
"""

from django.conf import settings

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


def policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.site = policy_header(settings.CONTENT_SECURITY_POLICY)
        self.admin = policy_header(settings.CONTENT_SECURITY_POLICY_ADMIN)
        self.permissions = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response.headers:
            admin = request.path.startswith(ADMIN_PREFIXES)
            response.headers["Content-Security-Policy"] = self.admin if admin else self.site
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response

"""Production settings and the headers every response carries.

The production settings are loaded in a subprocess (they read secrets from the environment and
must not leak into this test run's settings); headers and sessions are checked through the test
client under the test settings, which run the same middleware and policy.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache

from portal.models import Role
from portal.tests.conftest import *  # noqa: F403 - the kernel's area tree and staff

REPO = Path(__file__).resolve().parent.parent
FERNET_KEY = "dGVzdC1vbmx5LWZpZWxkLWtleS0wMTIzNDU2Nzg5YWI="
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 60 + "-hardening-test-secret-key-not-for-use",
    "FIELD_ENCRYPTION_KEYS": FERNET_KEY,
    "PII_HASH_KEY": "hardening-test-pii-key",
    "DJANGO_ALLOWED_HOSTS": "portal.example.org",
    "MEDIA_ROOT": "/srv/fire-portal/media",
    "PRIVATE_MEDIA_ROOT": "/srv/fire-portal/private",
}
DUMP = """
import json
from django.conf import settings
names = [
    "DEBUG", "SESSION_ENGINE", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY", "X_FRAME_OPTIONS", "SECURE_PROXY_SSL_HEADER",
    "WAGTAIL_PRIVATE_PAGE_OPTIONS", "WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS", "WAGTAILDOCS_SERVE_METHOD",
    "WAGTAILIMAGES_EXTENSIONS", "WAGTAILDOCS_EXTENSIONS", "WAGTAILIMAGES_MAX_UPLOAD_SIZE",
    "WAGTAILDOCS_MAX_UPLOAD_SIZE", "CONTENT_SECURITY_POLICY", "MIDDLEWARE", "MEDIA_ROOT",
    "PRIVATE_MEDIA_ROOT", "BASE_DIR", "WAGTAIL_GRAVATAR_PROVIDER_URL",
]
print(json.dumps({name: getattr(settings, name) for name in names}, default=str))
"""


def _production(code: str, *, env: dict | None = None, drop: tuple = ()) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    environment.update(PRODUCTION_ENV | (env or {}), DJANGO_SETTINGS_MODULE="portal.settings.production")
    for name in drop:
        environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def production() -> dict:
    result = _production(DUMP)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_sessions_live_in_the_database(production):
    """HTTPS-only, script-invisible cookies; sessions in the database (a Redis restart logs nobody out)."""
    assert production["DEBUG"] is False
    assert production["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert production["SESSION_COOKIE_SECURE"] and production["SESSION_COOKIE_HTTPONLY"]
    assert production["CSRF_COOKIE_SECURE"] and production["LANGUAGE_COOKIE_SECURE"]


def test_production_forces_https_with_hsts_and_safe_headers(production):
    """HTTPS redirect, a year of HSTS including subdomains, nosniff, no framing, same-origin referrer."""
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert production["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["SECURE_REFERRER_POLICY"] == "same-origin"
    assert "portal.csp.ContentSecurityPolicyMiddleware" in production["MIDDLEWARE"]
    scripts = production["CONTENT_SECURITY_POLICY"]["script-src"]
    assert scripts == ["'self'", "'wasm-unsafe-eval'"]  # the QR scanner's WebAssembly, never eval()
    assert production["CONTENT_SECURITY_POLICY"]["frame-ancestors"] == ["'none'"]
    assert production["CONTENT_SECURITY_POLICY"]["object-src"] == ["'none'"]


def test_production_wagtail_privacy_has_no_shared_passwords_and_documents_go_through_the_view(production):
    """No shared-password privacy for pages or document collections; documents are served by
    Wagtail's permission-checking view; no admin calls to Gravatar."""
    assert production["WAGTAIL_PRIVATE_PAGE_OPTIONS"] == {"SHARED_PASSWORD": False}
    assert production["WAGTAILDOCS_PRIVATE_COLLECTION_OPTIONS"] == {"SHARED_PASSWORD": False}
    assert production["WAGTAILDOCS_SERVE_METHOD"] == "serve_view"
    assert production["WAGTAIL_GRAVATAR_PROVIDER_URL"] is None


def test_production_uploads_refuse_svg_and_html_and_are_capped(production):
    """Only raster images and office/PDF/video documents; sizes capped; files outside the code tree."""
    assert set(production["WAGTAILIMAGES_EXTENSIONS"]) <= {"gif", "jpg", "jpeg", "png", "webp"}
    dangerous = {"svg", "svgz", "html", "htm", "xhtml", "xml", "js", "mjs", "swf", "exe", "php"}
    assert not dangerous & set(production["WAGTAILDOCS_EXTENSIONS"])
    assert production["WAGTAILIMAGES_MAX_UPLOAD_SIZE"] <= 10 * 1024 * 1024
    assert 0 < production["WAGTAILDOCS_MAX_UPLOAD_SIZE"] <= 200 * 1024 * 1024
    base = production["BASE_DIR"]
    assert not production["MEDIA_ROOT"].startswith(base)
    assert not production["PRIVATE_MEDIA_ROOT"].startswith(base)


def test_production_refuses_to_start_without_its_secrets():
    """No default secret key, encryption key or hash key: a missing one stops the start-up."""
    for name in ("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "PII_HASH_KEY"):
        result = _production("", drop=(name,))
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and name in result.stderr


def test_check_deploy_is_clean_and_flags_media_inside_the_code_tree():
    """`check --deploy` passes at WARNING level with media outside the tree, and warns
    (portal.W001) when MEDIA_ROOT is left inside it."""
    command = (
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')"
    )
    clean = _production(command)
    assert clean.returncode == 0, clean.stderr
    inside = _production(command, env={"MEDIA_ROOT": str(REPO / "var" / "media")})
    assert inside.returncode != 0 and "portal.W001" in inside.stderr


# ------------------------------------------------------------------------------
# Through the test client: the headers on real responses
# ------------------------------------------------------------------------------
def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split("; ")}


@pytest.mark.django_db
def test_site_responses_carry_a_strict_policy_without_inline_script(client):
    """A public page: CSP with script-src 'self' only (no inline, no eval), no framing, no plugins,
    plus nosniff, DENY framing, same-origin referrer and a permissions policy without geolocation."""
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]  # WebAssembly (QR scanner), no eval()
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"][0] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "camera=(self)" in response.headers["Permissions-Policy"]  # the QR scanners
    api = client.get("/api/v1/openapi.json")
    assert "script-src 'self'" in api.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_public_pages_have_no_inline_script_or_style_element(client):
    """The markup the strict policy would block does not exist in our templates: no inline
    <script> (JSON data blocks aside), no on*= handler attributes, no <style> element."""
    import re

    offenders = []
    for path in REPO.glob("*/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        relative = path.relative_to(REPO).as_posix()
        if "/admin/" in relative:
            continue  # Wagtail admin pages run under the admin policy
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{relative}: {match.group(0)}")
        if re.search(r"<style[\s>]", text):
            offenders.append(f"{relative}: <style>")
        for match in re.finditer(r"\son[a-z]+=\"", text):
            offenders.append(f"{relative}: {match.group(0)}")
    assert offenders == []


@pytest.mark.django_db
def test_admin_pages_get_the_admin_policy(client):
    """Wagtail's admin needs inline scripts in a few widgets: only under /admin/ and framed by
    the same origin only (live preview)."""
    response = client.get("/admin/login/")
    policy = _policy(response)
    assert "'unsafe-inline'" in policy["script-src"] and policy["frame-ancestors"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


@pytest.mark.django_db
def test_sessions_are_rows_in_the_database_and_survive_a_cache_flush(client, make_user, street):
    """A signed-in session is a database row: flushing the cache (Redis restart) keeps the user signed in."""
    user = make_user(Role.STREET_COORDINATOR, street)
    client.force_login(user)
    assert Session.objects.count() == 1
    cache.clear()
    response = client.get("/volunteers/street/")
    assert response.status_code == 200
    assert response.wsgi_request.user == user


@pytest.mark.django_db
def test_page_and_collection_privacy_offer_no_shared_password():
    """Wagtail's privacy forms (pages, document collections) offer log-in and groups, never a
    shared password, even for a page type that would allow one."""
    from wagtail.admin.forms.collections import CollectionViewRestrictionForm
    from wagtail.admin.forms.pages import PageViewRestrictionForm
    from wagtail.models import BaseViewRestriction

    every = [BaseViewRestriction.PASSWORD, BaseViewRestriction.LOGIN, BaseViewRestriction.GROUPS]
    for form in (PageViewRestrictionForm(private_page_options=every), CollectionViewRestrictionForm()):
        choices = [value for value, _label in form.fields["restriction_type"].choices]
        assert BaseViewRestriction.PASSWORD not in choices and "password" not in form.fields
        assert BaseViewRestriction.LOGIN in choices and BaseViewRestriction.GROUPS in choices


@pytest.mark.django_db
def test_pages_answered_from_the_page_cache_keep_the_security_headers(client, district):
    """The anonymous page cache answers before any other middleware: a hit still carries the CSP
    and the other security headers (they are stored with the page)."""
    from wagtail.models import Site

    from courses.tests.factories import home_page_for

    home = home_page_for(district)
    Site.objects.update_or_create(
        is_default_site=True, defaults={"root_page": home, "hostname": "testserver", "port": 80}
    )
    cache.clear()
    first, second = client.get("/"), client.get("/")
    assert first.status_code == second.status_code == 200
    assert second.headers.get("X-Page-Cache") == "hit"
    for response in (first, second):
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"

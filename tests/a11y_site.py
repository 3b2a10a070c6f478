"""Shared pieces of the accessibility browser tests (tests/test_a11y_*.py, issue 9).

* ``seeded_server``: the demo data (seed_demo) plus a session starting in 20 minutes with a booked
  resident, seeded ONCE per test module and served by a live server of its own, so a module's
  tests share it instead of seeding per test (pytest-django's ``live_server`` flushes after each
  test). The module's tests must not use the ``db`` fixtures; the data is flushed when the
  module ends.
* ``axe_violations``: axe-core (vendored in tests/vendor/axe-core, MPL-2.0) run in the page;
  returns the serious and critical violations, formatted for an assertion message.
* ``overflow``: how far the page is wider than the window (sideways scrolling), with the culprits.
* ``shot``: a screenshot to test-artifacts/screenshots/a11y/, and to docs/screenshots/ when the
  run has UPDATE_SCREENSHOTS=1 (a normal run never rewrites committed files).
"""

import datetime
import io
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
AXE_JS = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts" / "screenshots" / "a11y"
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
BLOCKING = ("serious", "critical")


@dataclass
class SeededSite:
    url: str
    ids: dict = field(default_factory=dict)
    sessions: dict = field(default_factory=dict)  # username → session cookie value

    def path(self, template: str) -> str:
        return template.format(**self.ids)


def _seed() -> dict:
    from django.core.management import call_command
    from django.utils import timezone

    from portal.models import Certificate, Channel, User
    from portal.roles import sync_role_permissions
    from portal.tests.factories import wagtail_root
    from training import services as training
    from training.models import Booking, Venue
    from training.tests.factories import standard_items
    from volunteers.models import Activity

    # What migrations filled and an earlier transactional test's flush emptied: without the
    # standard items the demo passes nobody (no certificate), without the role permissions staff
    # pages refuse their own staff.
    wagtail_root()
    standard_items()
    sync_role_permissions()
    call_command("seed_demo", stdout=io.StringIO())
    trainer = User.objects.get(username="trainer")
    resident = User.objects.get(username="resident")
    venue = Venue.objects.get(name="金融街小型站")
    start = (timezone.now() + datetime.timedelta(minutes=20)).replace(second=0, microsecond=0)
    running = training.session_create(
        venue=venue,
        kind="practical",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        channel=Channel.objects.get(code="community"),
        created_by=trainer,
        capacity=12,
        title="一警六员实操实训（无障碍测试）",
    )
    later = start + datetime.timedelta(days=7)
    bookable = training.session_create(
        venue=venue,
        kind="practical",
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=2),
        channel=Channel.objects.get(code="community"),
        created_by=trainer,
        capacity=20,
    )
    booking = training.booking_create(session=running, user=resident)
    certificate = Certificate.objects.order_by("pk").first()
    activity = Activity.objects.order_by("pk").first()
    User.objects.create_user(username="kb_resident", password="correct-horse-119", display_name="键盘居民")
    return {
        "running": running.pk,
        "bookable": bookable.pk,
        "booking": booking.pk,
        "checkin_code": training.booking_checkin_code(booking=booking),
        "other_booking": Booking.objects.exclude(pk=booking.pk).filter(person__user=resident).first().pk,
        "cert_n": certificate.number,
        "cert_c": certificate.verification_code,
        "activity": activity.pk,
    }


def _session_cookie(username: str) -> str:
    from django.conf import settings
    from django.test import Client

    from portal.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@contextmanager
def seeded_server(django_db_blocker, usernames=()):
    """The seeded demo site behind a live server for one module; flushed afterwards."""
    from django.core.cache import cache
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        cache.clear()
        try:
            ids = _seed()
            sessions = {name: _session_cookie(name) for name in (*usernames, "kb_resident")}
            cache.clear()  # pages and fragments cached while seeding
            server = LiveServer("localhost:0")
            try:
                yield SeededSite(url=server.url, ids=ids, sessions=sessions)
            finally:
                server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0)
            cache.clear()


def context(browser, site: SeededSite, username: str | None = None, viewport=PHONE, **options):
    """A browser context (zh-CN), logged in as ``username`` through a real session cookie."""
    from django.conf import settings

    ctx = browser.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN", **options)
    if username:
        ctx.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": site.sessions[username], "url": site.url}]
        )
    return ctx


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_JS.read_text())  # evaluate, not a <script>: a CSP must not block the test
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:4])
            lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} — {targets}")
    return lines


def overflow(page) -> tuple[int, list[str]]:
    """Pixels the document is wider than the window (0 = no sideways scrolling) and what sticks out."""
    extra = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    culprits = []
    if extra > 0:
        culprits = page.evaluate(
            """Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5)
                .map(e => e.tagName + '.' + e.className + ' '
                          + Math.round(e.getBoundingClientRect().right))"""
        )
    return extra, culprits


def small_targets(page, scope: str = "main") -> list[str]:
    """Buttons and links in ``scope`` smaller than 44 px in height (WCAG 2.5.5's size), except
    links inside running text (a sentence's link is exempt, as WCAG says)."""
    return page.evaluate(
        """(scope) => Array.from(document.querySelectorAll(scope + ' a[href], ' + scope + ' button, '
                + scope + ' input[type=submit], ' + scope + ' [role=button]'))
            .filter(e => e.offsetParent !== null)
            .filter(e => !(e.tagName === 'A' && e.closest('p, li, dd, td, span, label, small, .helptext')
                           && getComputedStyle(e).display === 'inline'))
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.tagName + ' "' + e.textContent.trim().slice(0, 30) + '" '
                      + Math.round(e.getBoundingClientRect().height) + 'px')""",
        scope,
    )


def shot(page, name: str, *, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
    return path


def qr_video(text: str, path: Path, *, frames: int = 10) -> Path:
    """A Y4M video (what Chromium's fake camera plays, looped) of a QR code holding ``text``."""
    import qrcode
    from PIL import Image

    width, height = 640, 480
    code = qrcode.make(text, box_size=8, border=4).get_image().convert("L")
    side = min(height - 40, code.size[0])
    frame = Image.new("L", (width, height), 255)
    frame.paste(code.resize((side, side), Image.NEAREST), ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("RGB").convert("YCbCr").split()
    chroma = (width // 2, height // 2)
    data = y.tobytes() + cb.resize(chroma).tobytes() + cr.resize(chroma).tobytes()
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + data)
    return path

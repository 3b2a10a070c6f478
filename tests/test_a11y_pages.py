"""Issue 9 in a real headless Chromium: every public page and every staff page of the main
journeys passes axe-core with no serious or critical violation and fits a 360 px phone without
sideways scrolling; forms announce their errors; key pages have 44 px touch targets; the 大字模式
(large text, high contrast) sticks across pages; booking and the quiz work with the keyboard alone.

One seeded site and one browser for the whole module (tests/a11y_site.py). Screenshots (phone
360×800, desktop 1280×800) go to test-artifacts/screenshots/a11y/, and to docs/screenshots/ with
UPDATE_SCREENSHOTS=1.
"""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.a11y_site import (
    DESKTOP,
    PHONE,
    axe_violations,
    context,
    overflow,
    seeded_server,
    shot,
    small_targets,
)

# django_db (not transaction=True): the module's data is seeded once, committed, outside the
# tests; each test's own writes roll back on SQLite, where the server shares the test's connection.
# Database-independent and slow: bin/test runs it in the SQLite run only (root conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.once, pytest.mark.django_db]

STAFF = (
    "resident",
    "volunteer",
    "trainer",
    "team_leader",
    "street_coordinator",
    "district_admin",
    "unit_manager",
)

# (who, path, screenshot name or ""). Paths may name the seeded ids: {running}, {booking}, …
PUBLIC = [
    (None, "/", "home"),
    (None, "heping:/", "home-heping"),
    (None, "/community/", "hub"),
    (None, "/family/", ""),
    (None, "/school/", ""),
    (None, "/countryside/", ""),
    (None, "/enterprise/", ""),
    (None, "/articles/", ""),
    (None, "/articles/gas-safety-at-home/", "article"),
    (None, "/events/", ""),
    (None, "/events/fire-month-119/", ""),
    (None, "/topics/", ""),
    (None, "/topics/ebike/", ""),
    (None, "/campaign/search/?q=灭火器", "search"),
    (None, "/campaign/search/?q=没有这样的词语", ""),
    (None, "/campaign/progress/", "progress"),
    (None, "/campaign/tools/escape-plan/", ""),
    (None, "/campaign/tools/self-check/", ""),
    (None, "/courses/", "courses"),
    (None, "/courses/home-fire/", "course"),
    (None, "/courses/home-fire/lesson-1/", "lesson"),
    (None, "/courses/home-fire/quiz/", ""),
    (None, "/courses/119-awareness-quiz/", ""),
    (None, "/volunteers/", "volunteers"),
    (None, "/volunteers/activities/", ""),
    (None, "/volunteers/activities/{activity}/", ""),
    (None, "/volunteers/stars/", ""),
    (None, "/training/", "training-sessions"),
    (None, "/certificates/verify/", ""),
    (None, "/certificates/verify/?n={cert_n}&c={cert_c}", "certificate-verify"),
    (None, "/certificates/verify/?n={cert_n}&c=WRONG1", ""),
    (None, "/accounts/login/", "login"),
    (None, "/accounts/signup/", ""),
    (None, "/accounts/password/reset/", ""),
    (None, "/accounts/confirm-email/", ""),
    ("resident", "/training/sessions/{bookable}/book/", "booking-form"),
    ("resident", "/training/bookings/{booking}/", "booking-qr"),
    ("resident", "/training/my/", ""),
    ("resident", "/volunteers/register/", ""),
    ("resident", "/volunteers/teams/join/", ""),
]

STAFF_PAGES = [
    ("volunteer", "/volunteers/me/", ""),
    ("volunteer", "/volunteers/me/hours/", ""),
    ("volunteer", "/volunteers/me/hours/declare/", ""),
    ("volunteer", "/volunteers/scan/", "volunteer-scan"),
    ("trainer", "/training/run/", ""),
    ("trainer", "/training/sessions/new/", ""),
    ("trainer", "/training/sessions/{running}/checkin/", "checkin-scanner"),
    ("trainer", "/training/sessions/{running}/checkin/?q=刘", ""),
    ("trainer", "/training/sessions/{running}/helpers/", ""),
    ("trainer", "/training/sessions/{running}/signoff/", "signoff"),
    ("district_admin", "/training/certificates/{cert_n}/revoke/", ""),
    ("team_leader", "/volunteers/lead/", ""),
    ("team_leader", "/volunteers/lead/records/", ""),
    ("team_leader", "/volunteers/lead/requests/", "volunteer-approvals"),
    ("team_leader", "/volunteers/lead/corrections/", ""),
    ("team_leader", "/volunteers/lead/activities/new/", ""),
    ("team_leader", "/volunteers/lead/activities/{activity}/signin/", ""),
    ("team_leader", "/volunteers/lead/activities/{activity}/qr/", ""),
    ("street_coordinator", "/volunteers/street/", ""),
    ("street_coordinator", "/volunteers/street/roster/", ""),
    ("district_admin", "/volunteers/district/", ""),
    ("district_admin", "/volunteers/district/role-models/", ""),
    ("district_admin", "/training/dashboard/", "training-dashboard"),
    ("district_admin", "/learning/dashboard/", ""),
    ("district_admin", "/admin/campaign/coverage/", ""),
    ("district_admin", "/admin/campaign/reviewers/", ""),
    ("unit_manager", "/training/unit/", "unit-compliance"),
    ("unit_manager", "/training/unit/book/", ""),
    ("unit_manager", "/training/unit/roster/", ""),
]


# Key pages whose buttons and links must be at least 44 px tall (checked in _check, on the same
# page load as axe).
KEY_PAGES = [
    (None, "/"),
    (None, "/community/"),
    (None, "/articles/gas-safety-at-home/"),
    (None, "/courses/"),
    (None, "/courses/home-fire/quiz/"),
    (None, "/training/"),
    (None, "/volunteers/"),
    (None, "/certificates/verify/"),
    (None, "/accounts/login/"),
    ("resident", "/training/sessions/{bookable}/book/"),
    ("resident", "/training/bookings/{booking}/"),
    ("trainer", "/training/sessions/{running}/checkin/"),
    ("volunteer", "/volunteers/scan/"),
]


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    with seeded_server(django_db_blocker, STAFF) as seeded:
        yield seeded


@pytest.fixture(scope="module")
def contexts(chromium, site):
    """One phone context per user, made on first use (the pages keep their cookies)."""
    made = {}

    def get(username, viewport=PHONE):
        key = (username, viewport["width"])
        if key not in made:
            made[key] = context(chromium, site, username, viewport)
        return made[key]

    yield get
    for ctx in made.values():
        ctx.close()


def _url(site, path: str) -> str:
    if path.startswith("heping:"):
        return site.url.replace("localhost", "heping.localhost") + site.path(path.removeprefix("heping:"))
    return site.url + site.path(path)


def _check(contexts, site, who, path, name):
    page = contexts(who).new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        response = page.goto(_url(site, path), wait_until="load")
        assert response.status < 400 or "WRONG" in path, f"{path}: HTTP {response.status}"
        assert not re.search(r"/accounts/login/\?next=", page.url) or path.startswith("/accounts/"), (
            f"{path} sent {who} to log in"
        )
        violations = axe_violations(page)
        assert violations == [], f"{path} as {who}:\n" + "\n".join(violations)
        extra, culprits = overflow(page)
        assert extra <= 0, f"{path} is {extra} px too wide at 360 px: {culprits}"
        if (who, path) in KEY_PAGES:  # buttons and links (main content and header) >= 44 px tall
            small = small_targets(page, "main") + small_targets(page, ".site-header")
            assert small == [], f"{path}: touch targets under 44 px: {small}"
        assert errors == [], errors
        if name:
            shot(page, f"{name}-phone")
            desktop = contexts(who, DESKTOP).new_page()
            desktop.goto(_url(site, path), wait_until="load")
            shot(desktop, f"{name}-desktop")
            desktop.close()
    finally:
        page.close()


@pytest.mark.parametrize(("who", "path", "name"), PUBLIC, ids=[f"{w or 'anon'}:{p}" for w, p, _n in PUBLIC])
def test_public_page_passes_axe_and_fits_a_phone(contexts, site, who, path, name):
    _check(contexts, site, who, path, name)


@pytest.mark.parametrize(("who", "path", "name"), STAFF_PAGES, ids=[f"{w}:{p}" for w, p, _n in STAFF_PAGES])
def test_staff_page_passes_axe_and_fits_a_phone(contexts, site, who, path, name):
    _check(contexts, site, who, path, name)


# ---------------------------------------------------------------------------------------------
# Forms: errors a screen reader announces
# ---------------------------------------------------------------------------------------------
def _announced(page, text_locator) -> bool:
    """True when the error text is in a live region (role=alert/status or aria-live) or named by
    the invalid field's aria-describedby (read out when the field gets focus)."""
    return text_locator.evaluate(
        """(el) => {
            if (el.closest('[role=alert], [role=status], [aria-live]')) return true;
            const id = el.id || (el.closest('[id]') || {}).id;
            return !!id && !!document.querySelector('[aria-describedby~="' + id + '"][aria-invalid=true]');
        }"""
    )


def test_login_error_is_announced(contexts, site):
    page = contexts(None).new_page()
    try:
        page.goto(site.url + "/accounts/login/", wait_until="load")
        page.locator("input[name=login]").fill("resident")
        page.locator("input[name=password]").fill("wrong-password")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state("load")
        error = page.locator("main .errorlist").first
        assert error.is_visible()
        assert _announced(page, error)
        assert axe_violations(page) == []
        shot(page, "login-error-phone")
    finally:
        page.close()


def test_booking_errors_are_announced_and_tied_to_their_fields(contexts, site):
    page = contexts("kb_resident").new_page()
    try:
        page.goto(site.url + site.path("/training/sessions/{bookable}/book/"), wait_until="load")
        page.locator("form.trn-form button[type=submit]").click()  # nothing filled in
        page.wait_for_load_state("load")
        errors = page.locator("main .errorlist")
        assert errors.count() == 4  # category, name, phone, ID number
        for n in range(errors.count()):
            assert _announced(page, errors.nth(n)), errors.nth(n).inner_text()
        id_number = page.locator("input[name=id_number]")
        assert id_number.get_attribute("aria-invalid") == "true"
        described = id_number.get_attribute("aria-describedby").split()
        assert all(page.locator(f"[id='{ref}']").count() == 1 for ref in described), described
        assert any(
            re.search(r"[\u4e00-\u9fff]", page.locator(f"[id='{ref}']").inner_text()) for ref in described
        )
        assert axe_violations(page) == []
        assert overflow(page)[0] <= 0
        shot(page, "booking-form-errors-phone")
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------
# Colour: statuses are told in words too (touch targets: KEY_PAGES, checked in _check)
# ---------------------------------------------------------------------------------------------
def test_statuses_are_not_told_by_colour_alone(contexts, site):
    """Valid and missing certificates differ in words, not only in the border colour."""
    page = contexts(None).new_page()
    try:
        page.goto(site.url + site.path("/certificates/verify/?n={cert_n}&c={cert_c}"), wait_until="load")
        valid = page.locator(".verify-result").inner_text()
        page.goto(site.url + site.path("/certificates/verify/?n={cert_n}&c=WRONG1"), wait_until="load")
        missing = page.locator(".verify-result").inner_text()
        assert (
            valid != missing
            and re.search(r"[\u4e00-\u9fff]", valid)
            and re.search(r"[\u4e00-\u9fff]", missing)
        )
    finally:
        page.close()


# ---------------------------------------------------------------------------------------------
# 大字模式: large text and high contrast, remembered across pages (and apps)
# ---------------------------------------------------------------------------------------------
ROOT_SIZE = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
AAA_CONTRAST = "axe.run(document, {runOnly: ['color-contrast-enhanced'], resultTypes: ['violations']})"


def _contrast_aaa(page) -> list[str]:
    if not page.evaluate("typeof window.axe === 'object'"):
        axe_violations(page)  # loads axe
    result = page.evaluate(AAA_CONTRAST)
    return [f"{n['target']} {n['any'][0]['message'][:90]}" for v in result["violations"] for n in v["nodes"]][
        :8
    ]


def test_large_text_mode_is_high_contrast_and_sticks_across_apps(chromium, site):
    ctx = context(chromium, site, "resident")
    page = ctx.new_page()
    try:
        page.goto(site.url + "/", wait_until="load")
        normal = page.evaluate(ROOT_SIZE)
        for _ in range(10):  # the switch is in the header: reach it with Tab, press it with Enter
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.hasAttribute('data-text-size-toggle')"):
                break
        page.keyboard.press("Enter")
        assert page.locator("[data-text-size-toggle]").get_attribute("aria-pressed") == "true"
        large = page.evaluate(ROOT_SIZE)
        assert large >= normal * 1.2
        shot(page, "home-large-text-phone")
        for path in ("/courses/home-fire/lesson-1/", "/training/", "/volunteers/", "/certificates/verify/"):
            page.goto(site.url + path, wait_until="load")
            assert page.evaluate(ROOT_SIZE) == large, path
            assert page.evaluate("document.documentElement.classList.contains('text-large')")
            assert overflow(page)[0] <= 0, f"{path} too wide at 360 px in large text: {overflow(page)[1]}"
            assert _contrast_aaa(page) == [], path  # WCAG AAA contrast (7:1) in this mode
            assert axe_violations(page) == [], path
        page.goto(site.url + "/training/", wait_until="load")
        shot(page, "training-sessions-large-text-phone")
    finally:
        ctx.close()


# ---------------------------------------------------------------------------------------------
# Keyboard only: booking and the quiz with Tab, Space and Enter; the focus always visible
# ---------------------------------------------------------------------------------------------
FOCUS = """() => {
    const e = document.activeElement;
    if (!e || e === document.body) return null;
    const s = getComputedStyle(e);
    const visible = e.matches(':focus-visible') && s.outlineStyle !== 'none'
        && parseFloat(s.outlineWidth) >= 2;
    return {tag: e.tagName, type: e.type || '', name: e.name || '',
            text: (e.textContent || '').trim().slice(0, 30),
            visible: visible, fieldset: e.closest('fieldset[data-question]') ? e.closest('fieldset').id : '',
            checked: !!e.checked, submit: e.type === 'submit' && !!e.closest('main')};
}"""


def _tab_to(page, want, *, limit: int = 80) -> dict:
    """Press Tab until ``want(focused)`` holds; every stop on the way must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUS)
        if focused is None:
            continue
        assert focused["visible"], f"no visible focus on {focused}"
        if want(focused):
            return focused
    raise AssertionError("not reached with Tab")


def test_booking_with_the_keyboard_alone(chromium, site):
    import datetime

    from portal.tests.factories import resident_id_number

    ctx = context(chromium, site, "kb_resident")
    page = ctx.new_page()
    try:
        page.goto(site.url + site.path("/training/sessions/{bookable}/book/"), wait_until="load")
        _tab_to(page, lambda f: f["name"] == "category")
        page.keyboard.press("Space")  # the first category
        assert page.evaluate("document.activeElement.checked")
        _tab_to(page, lambda f: f["name"] == "name")
        page.keyboard.type("龚键盘")
        _tab_to(page, lambda f: f["name"] == "phone")
        page.keyboard.type("13912340119")
        _tab_to(page, lambda f: f["name"] == "id_number")
        page.keyboard.type(resident_id_number(birth=datetime.date(1958, 4, 2), sequence=44))
        shot(page, "booking-keyboard-phone")
        _tab_to(page, lambda f: f["submit"])
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/training/bookings/\d+/$"))
        assert page.locator("[data-checkin-qr] svg").is_visible()
    finally:
        ctx.close()


def test_quiz_with_the_keyboard_alone(chromium, site):
    ctx = context(chromium, site, "kb_resident")
    page = ctx.new_page()
    try:
        page.goto(site.url + "/courses/home-fire/quiz/", wait_until="load")
        _tab_to(page, lambda f: f["submit"] and f["text"] == "开始答题")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/learning/attempts/\d+/$"))
        questions = page.locator("fieldset[data-question]").count()
        assert questions == 5
        answered: set[str] = set()
        while True:
            focused = _tab_to(
                page, lambda f: f["submit"] or (f["fieldset"] and f["fieldset"] not in answered)
            )
            if focused["submit"]:
                break
            page.keyboard.press("Space")
            answered.add(focused["fieldset"])
        assert len(answered) == questions
        assert (
            page.locator("[data-quiz-answered]").inner_text().startswith(f"已答 {questions}")
            or str(questions) in page.locator("[data-quiz-answered]").inner_text()
        )
        shot(page, "quiz-keyboard-phone")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/learning/attempts/\d+/result/$"))
        assert re.search(r"\d+\s*分", page.locator("main").inner_text())
        assert axe_violations(page) == []
        assert overflow(page)[0] <= 0
        shot(page, "quiz-result-phone")
    finally:
        ctx.close()


# ---------------------------------------------------------------------------------------------
# The scanner page: rear camera (Chromium's fake camera showing a real booking QR), rotation,
# and the manual code entry when the camera or the decoder is missing (as in WeChat)
# ---------------------------------------------------------------------------------------------
RECORD_CAMERA = """
window.__cameraRequests = [];
if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (constraints) => {
    window.__cameraRequests.push(JSON.parse(JSON.stringify(constraints)));
    return original(constraints);
  };
}
"""


@pytest.fixture(scope="module")
def camera_browser(chromium, site, tmp_path_factory):
    """A second Chromium whose fake rear camera films the booking's QR code (a Y4M video)."""
    from tests.a11y_site import qr_video
    from tests.conftest import BROWSER_ARGS, CHROMIUM_PATH

    video = qr_video(site.ids["checkin_code"], tmp_path_factory.mktemp("camera") / "qr.y4m")
    flags = [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=BROWSER_ARGS + flags
    )
    yield browser
    browser.close()


def test_scanner_reads_a_qr_with_the_rear_camera_and_survives_turning(camera_browser, site):
    ctx = context(camera_browser, site, "trainer", permissions=["camera"])
    ctx.add_init_script(RECORD_CAMERA)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    console = []
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(site.url + site.path("/training/sessions/{running}/checkin/"), wait_until="load")
        page.get_by_role("button", name="打开/关闭摄像头").click()
        result = page.locator("[data-trn-result]")
        try:
            result.wait_for(state="visible", timeout=20_000)
        except PlaywrightTimeout:  # say what the scanner saw
            raise AssertionError((page.evaluate(SCANNER_STATE), console[:5])) from None
        assert result.get_attribute("data-result") in ("ok", "already_checked_in")
        assert result.get_attribute("role") == "alert"  # read out at once
        assert re.search(r"[\u4e00-\u9fff]", result.inner_text())  # told in words, not by colour alone
        video = page.evaluate("window.__cameraRequests[0].video")
        assert video["facingMode"] in ("environment", {"ideal": "environment"}, {"exact": "environment"})
        shot(page, "checkin-camera-phone")

        # The phone turns to landscape and, as some do, ends the camera stream on the way.
        page.evaluate(
            "document.querySelector('[data-qr-scanner]').portalScanner.stream.getTracks()"
            ".forEach((t) => t.stop())"
        )
        page.set_viewport_size({"width": 800, "height": 360})
        page.evaluate("window.dispatchEvent(new Event('orientationchange'))")
        page.wait_for_function("() => window.__cameraRequests.length >= 2", timeout=10_000)
        page.wait_for_function(
            "() => document.querySelector('[data-trn-result]').dataset.result === 'already_checked_in'",
            timeout=20_000,
        )  # the same QR read again after the turn: the booking is already checked in
        assert page.evaluate("document.querySelector('[data-qr-scanner]').portalScanner.running")
        assert overflow(page)[0] <= 0
        shot(page, "checkin-camera-landscape")
        assert errors == []
    finally:
        ctx.close()


SCANNER_STATE = """() => {
    const root = document.querySelector('[data-qr-scanner]'), video = root.querySelector('video');
    return {status: root.querySelector('[data-qr-status]').textContent, ready: video.readyState,
            size: [video.videoWidth, video.videoHeight], running: root.portalScanner.running,
            failures: root.portalScanner.failures, error: root.portalScanner.lastError,
            wasm: performance.getEntriesByType('resource').filter((e) => e.name.includes('wasm'))
                .map((e) => e.name + ' ' + e.responseStatus),
            requests: window.__cameraRequests};
}"""
BLOCK_CAMERA = """
navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('blocked', 'NotAllowedError'));
"""
NO_WASM = "Object.defineProperty(window, 'WebAssembly', {value: undefined});"


@pytest.mark.parametrize(
    ("blocker", "status"),
    [(BLOCK_CAMERA, "摄像头打不开"), (NO_WASM, "不能用摄像头扫码")],
    ids=["camera-refused", "no-webassembly"],
)
def test_scanner_falls_back_to_typing_the_code(chromium, site, blocker, status):
    ctx = context(chromium, site, "trainer")
    ctx.add_init_script(blocker)
    page = ctx.new_page()
    try:
        page.goto(site.url + site.path("/training/sessions/{running}/checkin/"), wait_until="load")
        page.get_by_role("button", name="打开/关闭摄像头").click()
        status_line = page.locator("[data-qr-status]")
        page.wait_for_function(
            "(s) => document.querySelector('[data-qr-status]').textContent.includes(s)", arg=status
        )
        assert status_line.get_attribute("role") == "status"
        page.get_by_label("签到码").fill(site.ids["checkin_code"])
        page.keyboard.press("Enter")
        result = page.locator("[data-trn-result]")
        result.wait_for(state="visible")
        assert result.get_attribute("data-result") in ("ok", "already_checked_in")
        assert axe_violations(page) == []
    finally:
        ctx.close()

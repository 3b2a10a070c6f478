"""THE volunteer journey in a real headless Chromium on a 360 px phone:

register with an SMS code → the street coordinator approves → the volunteer signs up → signs in
and out with the activity's rotating QR → the team leader approves the hours → the volunteer
downloads the service-hours certificate, read back with pdftotext (masked ID, hours) and its QR
decoded with zxingcpp to the verification URL.

Headless Chromium has no camera: the QR is decoded from the page's own PNG with zxingcpp and its
text fed to the scanner, once through the page's manual entry and once as the ``qr-scanned``
event the shared scanner (static/js/qr-scanner.js) dispatches. Everything after the decode is the
production path. Staff log in by session cookie; the resident signs up through allauth for real.
Screenshots (phone and desktop) land in test-artifacts/screenshots/volunteers-*.png.
"""

import datetime
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.guide import GUIDE_IMG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
MOBILE = "13966668888"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(db):
    """西城区 › 金融街街道 › 丰盛社区, a coordinator, a team leader with a team, an activity
    starting in 30 minutes, the district's certificate issuer."""
    from portal import services as kernel
    from portal.models import Channel, Role, User
    from volunteers import services
    from volunteers.models import ActivityType, CertificateSetting

    district = kernel.area_create(name="西城区", code="jxc", resident_population=1_100_000)
    street = kernel.area_create(
        name="金融街街道", code="jxc-jrj", parent=district, resident_population=120_000
    )
    community = kernel.area_create(name="丰盛社区", code="jxc-jrj-fs", parent=street)
    kernel.area_create(name="二龙路社区", code="jxc-jrj-ell", parent=street)
    other = kernel.area_create(name="德胜街道", code="jxc-ds", parent=district)
    kernel.area_create(name="德胜里社区", code="jxc-ds-dsl", parent=other)

    def staff(username: str, name: str, role: str, area) -> User:
        user = User.objects.create_user(username=username, password="correct-horse-119", display_name=name)
        return kernel.role_assign(user=user, role=role, area=area)

    coordinator = staff("jcoord", "李晓梅", Role.STREET_COORDINATOR, street)
    leader = staff("jleader", "赵磊", Role.TEAM_LEADER, street)
    admin = staff("jadmin", "王建国", Role.DISTRICT_ADMIN, district)
    team = services.team_create(
        name="金融街消防志愿服务队", kind="street", area=street, by=coordinator, leaders=[leader]
    )
    channel, _created = Channel.objects.get_or_create(code="community", defaults={"name": "进社区"})
    start = (timezone.now() + datetime.timedelta(minutes=30)).replace(second=0, microsecond=0)
    activity = services.activity_publish(
        team=team,
        by=leader,
        title="丰盛社区入户消防安全宣传",
        activity_type=ActivityType.PUBLICITY,
        channel=channel,
        area=community,
        location="丰盛社区居委会",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=20,
    )
    CertificateSetting.objects.create(
        district=district,
        issuer_name="北京市西城区消防救援支队",
        person_in_charge="张志强",
        handler="刘敏",
        contact="010-66000119",
    )
    return {
        "street": street,
        "community": community,
        "coordinator": coordinator,
        "leader": leader,
        "admin": admin,
        "activity": activity,
    }


def _session_context(chromium, base_url: str, user, viewport=PHONE):
    """A browser context logged in as ``user`` through a real session cookie."""
    client = Client()
    client.force_login(user)
    context = chromium.new_context(
        viewport=viewport, device_scale_factor=1, locale="zh-CN", accept_downloads=True
    )
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])
    return context


def _shot(page, screenshots_dir: Path, name: str, *, guide: bool = False) -> None:
    path = screenshots_dir / f"volunteers-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if guide:
        GUIDE_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, GUIDE_IMG / path.name)


def _no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal overflow at 360 px: {width} px"


def _latest_sms_code() -> str:
    from portal.models import SMSMessage

    return re.search(r"\d{6}", SMSMessage.objects.first().text).group()


def _decode_png(data: bytes) -> str:
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert results, "no QR code found"
    return results[0].text


def test_volunteer_journey(chromium, live_server, world, screenshots_dir, tmp_path):
    from volunteers.models import ServiceRecord, VolunteerProfile
    from volunteers.tests.factories import id_number_for_age

    base = live_server.url
    id_number = id_number_for_age(34)
    errors: list[str] = []

    # 1. A resident signs up with their mobile number and the SMS code, then registers.
    resident = chromium.new_context(
        viewport=PHONE, device_scale_factor=1, locale="zh-CN", accept_downloads=True
    )
    page = resident.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/volunteers/")
    _shot(page, screenshots_dir, "home-phone", guide=True)
    page.goto(base + "/accounts/signup/?next=/volunteers/register/")
    page.fill("input[name=phone]", MOBILE)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/"))
    page.fill("input[name=code]", _latest_sms_code())
    page.locator("button[type=submit]", has_text=re.compile("确认|Confirm")).first.click()
    page.wait_for_load_state()
    if "/volunteers/register/" not in page.url:
        page.goto(base + "/volunteers/register/")
    assert page.locator("input[name=id_number]").is_visible()
    _no_overflow(page)
    _shot(page, screenshots_dir, "register-phone", guide=True)

    # Bad input first: a wrong check digit is refused in Chinese and nothing is saved.
    page.check("input[name=notice_read]")
    page.fill("input[name=name]", "陈晓红")
    page.fill("input[name=id_number]", id_number[:17] + ("1" if id_number[17] != "1" else "2"))
    page.check("input[name=id_consent]")
    page.select_option("select[name=street]", label="金融街街道")
    page.select_option("select[name=community]", label="丰盛社区")
    page.check("input[name=skills][value=first_aid]")
    page.check("input[name=availability][value=weekend]")
    page.fill("input[name=emergency_contact_name]", "陈建国")
    page.fill("input[name=emergency_contact_phone]", "13900001234")
    page.locator("form.vol-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".field__error").first.is_visible()
    assert re.search(r"[\u4e00-\u9fff]", page.locator(".field__error").first.inner_text())
    assert not VolunteerProfile.objects.exists()
    _shot(page, screenshots_dir, "register-error-phone", guide=True)

    page.fill("input[name=id_number]", id_number)
    for box in ("notice_read", "id_consent"):
        page.check(f"input[name={box}]")
    page.locator("form.vol-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/volunteers/register/done/"))
    assert "金融街街道" in page.content()
    _shot(page, screenshots_dir, "register-done-phone", guide=True)
    profile = VolunteerProfile.objects.get()
    assert profile.status == VolunteerProfile.Status.PENDING
    assert id_number not in page.content()

    # 2. The street coordinator approves the registration.
    coordinator = _session_context(chromium, base, world["coordinator"])
    cpage = coordinator.new_page()
    cpage.goto(base + "/volunteers/street/")
    assert "陈晓红" in cpage.content()
    assert id_number not in cpage.content() and profile.person.id_number_masked in cpage.content()
    _no_overflow(cpage)
    _shot(cpage, screenshots_dir, "coordinator-pending-phone", guide=True)
    cpage.locator("#pending-registrations button[value=approve]").first.click()
    cpage.wait_for_load_state()
    profile.refresh_from_db()
    assert profile.status == VolunteerProfile.Status.APPROVED and profile.number
    assert profile.number in cpage.content()
    cpage.goto(base + "/volunteers/street/roster/")
    _shot(cpage, screenshots_dir, "coordinator-roster-phone", guide=True)

    # 3. The volunteer signs up for the activity.
    activity = world["activity"]
    page.goto(base + "/volunteers/me/")
    assert profile.number in page.content()
    _shot(page, screenshots_dir, "me-phone", guide=True)
    page.goto(base + "/volunteers/activities/")
    page.locator(f"a[href='/volunteers/activities/{activity.pk}/']").click()
    page.locator("form[action$='/signup/'] button").click()
    page.wait_for_load_state()
    assert activity.signups.filter(volunteer=profile, status="signed_up").exists()
    _shot(page, screenshots_dir, "activity-signed-up-phone", guide=True)

    leader = _session_context(chromium, base, world["leader"])
    lpage = leader.new_page()
    lpage.on("pageerror", lambda exc: errors.append(str(exc)))

    def activity_code() -> str:
        """What a phone camera would read off the leader's screen: the rotating QR, decoded."""
        lpage.goto(base + f"/volunteers/lead/activities/{activity.pk}/qr/")
        png = lpage.request.get(base + f"/volunteers/lead/activities/{activity.pk}/qr.png").body()
        return _decode_png(png)

    # 4. At the activity: sign in by the manual entry, sign out by the scanner's event.
    with time_machine.travel(activity.starts_at + datetime.timedelta(minutes=5), tick=True):
        code = activity_code()
        _shot(lpage, screenshots_dir, "leader-activity-qr-phone", guide=True)
        page.goto(base + "/volunteers/scan/")
        page.fill("[data-vol-scan-code]", code)
        page.locator("[data-vol-scan-form] button[type=submit]").click()
        page.wait_for_selector(".vol-scan-result--ok")
        assert "签到" in page.locator("[data-vol-scan-result]").inner_text()
        _shot(page, screenshots_dir, "scan-signed-in-phone", guide=True)

    with time_machine.travel(activity.starts_at + datetime.timedelta(minutes=65), tick=True):
        code = activity_code()
        page.goto(base + "/volunteers/scan/")
        page.evaluate(
            "code => document.querySelector('[data-qr-scanner]').dispatchEvent("
            "new CustomEvent('qr-scanned', {detail: {text: code}, bubbles: true}))",
            code,
        )
        page.wait_for_selector(".vol-scan-result--ok")
        assert "签退" in page.locator("[data-vol-scan-result]").inner_text()
        lpage.goto(base + f"/volunteers/lead/activities/{activity.pk}/signin/")
        _shot(lpage, screenshots_dir, "leader-signin-desk-phone", guide=True)

    record = ServiceRecord.objects.get(volunteer=profile, activity=activity)
    assert record.state == ServiceRecord.State.PENDING
    assert record.hours == 1

    # 5. The team leader approves the hours (in bulk, ticking the row).
    lpage.goto(base + "/volunteers/lead/records/")
    _shot(lpage, screenshots_dir, "leader-records-phone", guide=True)
    lpage.check(f"input[name=record][value='{record.pk}']")
    lpage.locator("button[value=approve]").click()
    lpage.wait_for_load_state()
    record.refresh_from_db()
    assert record.state == ServiceRecord.State.APPROVED

    # 6. The volunteer downloads the certificate; the PDF holds the masked ID and the hours.
    page.goto(base + "/volunteers/me/hours/")
    assert "已通过" in page.content() or "approved" in page.content().lower()
    _shot(page, screenshots_dir, "my-hours-phone", guide=True)
    page.locator("form[action$='/me/certificate/'] button").click()
    page.wait_for_url(re.compile(r"/volunteers/me/certificate/"))
    _shot(page, screenshots_dir, "certificate-phone", guide=True)
    href = page.locator("#certificate-download").get_attribute("href")
    response = page.request.get(base + href)  # the browser's own session; the PDF opens inline
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf_path = tmp_path / "certificate.pdf"
    pdf_path.write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert profile.person.id_number_masked in text
    assert id_number not in text
    assert re.search(r"\b1(\.0+)?\b", text)  # one approved hour
    assert profile.number in text

    png_prefix = tmp_path / "certificate"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_path), str(png_prefix)], check=True
    )
    url = _decode_png((tmp_path / "certificate.png").read_bytes())
    assert "/certificates/verify/?n=" in url
    assert id_number not in url and MOBILE not in url

    # 7. The district admin's dashboard, phone and desktop.
    admin = _session_context(chromium, base, world["admin"])
    apage = admin.new_page()
    apage.on("pageerror", lambda exc: errors.append(str(exc)))
    apage.goto(base + "/volunteers/district/")
    _no_overflow(apage)
    _shot(apage, screenshots_dir, "district-dashboard-phone", guide=True)
    desktop = _session_context(chromium, base, world["admin"], viewport=DESKTOP)
    dpage = desktop.new_page()
    dpage.goto(base + "/volunteers/district/")
    dpage.wait_for_timeout(300)  # charts draw on DOMContentLoaded
    _shot(dpage, screenshots_dir, "district-dashboard-desktop", guide=True)
    lpage.set_viewport_size(DESKTOP)
    lpage.goto(base + f"/volunteers/lead/activities/{activity.pk}/signin/")
    _shot(lpage, screenshots_dir, "leader-signin-desk-desktop")

    for context in (resident, coordinator, leader, admin, desktop):
        context.close()
    assert errors == [], errors

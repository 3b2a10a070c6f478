"""THE 一警六员 training journey in a real headless Chromium on a 360 px phone:

a resident books a session choosing their category → sees the booking's QR on the phone → the
trainer's check-in page receives that code → the trainer signs off 灭真火 and 出真水 → closes the
session → the certificate PDF is downloaded, its text (pdftotext) holds the holder's masked name
and the number, and its QR (zxingcpp) decodes to the verification URL, which opens and shows the
certificate as valid.

Headless Chromium has no camera, so no real scan happens: the QR on the resident's page is
decoded with zxingcpp from a screenshot of that page, and its text is fed to the trainer's page
as the ``qr-scanned`` event the shared scanner (static/js/qr-scanner.js) dispatches after a
decode; a second scan goes through the page's manual code entry. Everything after the decode is
the production path. Users log in by session cookie. Screenshots (phone and desktop) land in
test-artifacts/screenshots/training-*.png; the useful ones are copied to docs/guide/img/.
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
REPO = Path(__file__).resolve().parent.parent
ID_NUMBER = "110102198503071234"  # replaced by a valid one in the fixture


def _context(chromium, base_url: str, user=None, viewport=PHONE):
    """A browser context, logged in as ``user`` through a real session cookie when given."""
    context = chromium.new_context(
        viewport=viewport, device_scale_factor=1, locale="zh-CN", accept_downloads=True
    )
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
        )
    return context


def _shot(page, screenshots_dir: Path, name: str, *, guide: bool = False) -> None:
    path = screenshots_dir / f"training-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if guide:
        GUIDE_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, GUIDE_IMG / path.name)


def _no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal overflow at 360 px: {width} px"


def _write_roster(path: Path, rows) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号", "身份证号", "类别(1-7)"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)


def _decode_png(data: bytes) -> str:
    import zxingcpp
    from PIL import Image

    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert results, "no QR code found"
    return results[0].text


@pytest.fixture
def world(db):
    """西城区 › 金融街街道, a training base there with its trainer, a 一警六员实操实训 session
    starting in 20 minutes (check-in open), a resident with an account, the district admin."""
    from portal import services as kernel
    from portal.models import Channel, Organisation, Role, User
    from training.models import Session, Venue
    from training.tests.factories import standard_items

    district = kernel.area_create(name="西城区", code="txc", resident_population=1_100_000)
    street = kernel.area_create(
        name="金融街街道", code="txc-jrj", parent=district, resident_population=120_000
    )

    def user(username: str, name: str, role: str, area) -> User:
        account = User.objects.create_user(username=username, password="correct-horse-119", display_name=name)
        return kernel.role_assign(user=account, role=role, area=area)

    trainer = user("ttrainer", "周强", Role.TRAINER, street)
    admin = user("tadmin", "王建国", Role.DISTRICT_ADMIN, district)
    resident = user("tresident", "刘洋", Role.RESIDENT, None)
    channel, _created = Channel.objects.get_or_create(code="community", defaults={"name": "进社区"})
    venue = Venue.objects.create(
        name="西城区消防安全实训基地",
        kind=Venue.Kind.TRAINING_BASE,
        area=street,
        address="西城区金融街 19 号",
    )
    venue.trainers.add(trainer)
    start = (timezone.now() + datetime.timedelta(minutes=20)).replace(second=0, microsecond=0)
    session = Session.objects.create(
        kind=Session.Kind.PRACTICAL,
        venue=venue,
        area=street,
        channel=channel,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=20,
        trainer=trainer,
    )
    session.items.set(standard_items())
    unit_manager = user("tmanager", "孙丽", Role.UNIT_MANAGER, street)
    unit = Organisation.objects.create(
        name="丰盛物业服务有限公司", kind=Organisation.Kind.PROPERTY, area=street
    )
    unit.managers.add(unit_manager)
    later = start + datetime.timedelta(days=7)
    future_session = Session.objects.create(
        kind=Session.Kind.PRACTICAL,
        venue=venue,
        area=street,
        channel=channel,
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=2),
        capacity=30,
        trainer=trainer,
    )
    future_session.items.set(standard_items())
    return {
        "manager": unit_manager,
        "future_session": future_session,
        "district": district,
        "street": street,
        "trainer": trainer,
        "admin": admin,
        "resident": resident,
        "session": session,
    }


def test_training_journey(chromium, live_server, world, screenshots_dir, tmp_path):
    from portal.models import Certificate
    from portal.tests.factories import resident_id_number
    from training.models import Booking

    base = live_server.url
    session = world["session"]
    id_number = resident_id_number(birth=datetime.date(1975, 9, 3), sequence=31)
    errors: list[str] = []

    # 1. The resident finds the session and books, choosing their 一警六员 category.
    resident = _context(chromium, base, world["resident"])
    page = resident.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/training/")
    assert "西城区消防安全实训基地" in page.content()
    _no_overflow(page)
    _shot(page, screenshots_dir, "01-sessions-phone", guide=True)
    page.locator(f"a[href='/training/sessions/{session.pk}/book/']").click()
    page.wait_for_url(re.compile(r"/book/$"))
    page.check("input[name=category][value='4']")
    page.fill("input[name=name]", "刘洋")
    page.fill("input[name=phone]", "13912345678")
    page.fill("input[name=id_number]", id_number[:17] + ("1" if id_number[17] != "1" else "2"))
    page.locator("form.trn-form button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator(".errorlist, .trn-errors").first
    assert error.is_visible()
    assert re.search(r"[\u4e00-\u9fff]", error.inner_text())
    assert not Booking.objects.exists()
    _no_overflow(page)
    _shot(page, screenshots_dir, "02-book-error-phone")
    page.fill("input[name=id_number]", id_number)
    page.check("input[name=category][value='4']")
    _shot(page, screenshots_dir, "02-book-phone", guide=True)
    page.locator("form.trn-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/training/bookings/\d+/$"))
    booking = Booking.objects.get()
    assert booking.status == Booking.Status.BOOKED and booking.category == 4
    assert id_number not in page.content() and "13912345678" not in page.content()

    # 2. The booking's QR on the phone: what a camera would read is the signed check-in code.
    qr = page.locator("[data-checkin-qr] svg")
    assert qr.is_visible()
    _no_overflow(page)
    _shot(page, screenshots_dir, "03-qr-phone", guide=True)
    code = _decode_png(qr.screenshot())
    assert id_number not in code and "13912345678" not in code and "刘洋" not in code

    # 3. The trainer's check-in page receives the code as the scanner's event, then again typed.
    trainer = _context(chromium, base, world["trainer"])
    tpage = trainer.new_page()
    tpage.on("pageerror", lambda exc: errors.append(str(exc)))
    tpage.goto(base + f"/training/sessions/{session.pk}/checkin/")
    assert tpage.locator("[data-qr-scanner] video").count() == 1
    tpage.evaluate(
        "code => document.querySelector('[data-qr-scanner]').dispatchEvent("
        "new CustomEvent('qr-scanned', {detail: {text: code}, bubbles: true}))",
        code,
    )
    tpage.wait_for_selector(".trn-result--ok")
    assert "刘*" in tpage.locator("[data-trn-result]").inner_text()
    assert tpage.locator("[data-trn-count]").inner_text() == "1"
    _no_overflow(tpage)
    _shot(tpage, screenshots_dir, "04-checkin-phone", guide=True)
    booking.refresh_from_db()
    assert booking.checked_in_at is not None
    tpage.fill("[data-trn-code]", code)
    tpage.locator("[data-trn-scan-form] button[type=submit]").click()
    tpage.wait_for_selector(".trn-result--warn")
    local = timezone.localtime(booking.checked_in_at)
    assert f"{local:%H:%M}" in tpage.locator("[data-trn-result]").inner_text()
    _shot(tpage, screenshots_dir, "04-checkin-again-phone")
    tpage.set_viewport_size(DESKTOP)
    _shot(tpage, screenshots_dir, "04-checkin-desktop")
    tpage.set_viewport_size(PHONE)

    # 4. The trainer signs off both items and closes the session.
    tpage.goto(base + f"/training/sessions/{session.pk}/signoff/")
    tpage.check(f"input[name='b{booking.pk}__extinguisher'][value=pass]")
    tpage.check(f"input[name='b{booking.pk}__hydrant'][value=pass]")
    _no_overflow(tpage)
    _shot(tpage, screenshots_dir, "05-signoff-phone", guide=True)
    tpage.locator("button[name=action][value=save]").click()
    tpage.wait_for_load_state()
    assert booking.assessments.filter(result="pass").count() == 2
    # Closing is allowed once the session has started: move the clock to the end of the session.
    with time_machine.travel(session.ends_at + datetime.timedelta(minutes=5), tick=True):
        tpage.reload()
        tpage.check("input[name=confirm]")
        tpage.locator(f"form[action$='/sessions/{session.pk}/close/'] button[type=submit]").click()
        tpage.wait_for_load_state()
        _shot(tpage, screenshots_dir, "05-closed-phone")
    booking.refresh_from_db()
    assert booking.passed is True
    certificate = Certificate.objects.get(holder=booking.person)
    assert certificate.pdf, "the certificate job ran inline and wrote the PDF"

    # 5. The resident downloads the certificate PDF from their booking page.
    page.goto(base + f"/training/bookings/{booking.pk}/")
    assert certificate.number in page.content()
    _shot(page, screenshots_dir, "06-certificate-phone")
    with page.expect_download() as download_info:
        page.locator(f"a[href='/certificates/{certificate.number}.pdf']").click()
    pdf_path = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf_path)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert certificate.number in text
    assert "刘*" in text
    assert "刘洋" not in text and id_number not in text
    png_prefix = tmp_path / "certificate"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_path), str(png_prefix)], check=True
    )
    url = _decode_png((tmp_path / "certificate.png").read_bytes())
    assert f"/certificates/verify/?n={certificate.number}&c=" in url
    assert id_number not in url

    # 6. The verification URL opens (on this server) and shows the certificate as valid.
    anonymous = _context(chromium, base)
    vpage = anonymous.new_page()
    vpage.goto(base + url[url.index("/certificates/verify/") :])
    assert vpage.locator(".verify-result--valid").is_visible()
    assert certificate.number in vpage.content()
    _shot(vpage, screenshots_dir, "07-verify-phone")

    # 7. The district admin's statistics, phone and desktop.
    admin = _context(chromium, base, world["admin"])
    apage = admin.new_page()
    apage.on("pageerror", lambda exc: errors.append(str(exc)))
    response = apage.goto(base + "/training/dashboard/")
    assert response is not None and response.status == 200
    assert apage.locator("[data-kpi=passed]").inner_text() == "1"
    assert apage.locator("[data-kpi=trained]").inner_text() == "1"
    _no_overflow(apage)
    _shot(apage, screenshots_dir, "08-dashboard-phone")
    desktop = _context(chromium, base, world["admin"], viewport=DESKTOP)
    dpage = desktop.new_page()
    dpage.on("pageerror", lambda exc: errors.append(str(exc)))
    assert dpage.goto(base + "/training/dashboard/").status == 200
    dpage.wait_for_timeout(300)  # charts draw on DOMContentLoaded
    _shot(dpage, screenshots_dir, "08-dashboard-desktop", guide=True)

    # 8. A unit safety manager uploads a roster with a bad row: nobody is booked, the page names
    #    the row and offers the error report; then the unit's staff list (masked).
    manager = _context(chromium, base, world["manager"])
    mpage = manager.new_page()
    mpage.on("pageerror", lambda exc: errors.append(str(exc)))
    future = world["future_session"]
    roster = tmp_path / "roster.xlsx"
    _write_roster(
        roster,
        [
            ("张伟", "13911110001", resident_id_number(birth=datetime.date(1990, 4, 1), sequence=41), 4),
            ("王磊", "1391111", resident_id_number(birth=datetime.date(1991, 5, 2), sequence=42), 9),
        ],
    )
    before = Booking.objects.count()
    mpage.goto(base + "/training/unit/roster/")
    mpage.select_option("select[name=session]", str(future.pk))
    mpage.set_input_files("input[name=roster]", str(roster))
    mpage.locator("form.trn-form button[type=submit]").click()
    mpage.wait_for_selector("[data-roster-errors]")
    assert Booking.objects.count() == before
    assert "3" in mpage.locator("[data-roster-errors]").inner_text()
    _no_overflow(mpage)
    _shot(mpage, screenshots_dir, "07-roster-errors-phone", guide=True)
    with mpage.expect_download() as report_info:
        mpage.locator("[data-roster-errors] a").click()
    assert report_info.value.suggested_filename.endswith(".xlsx")
    mpage.goto(base + "/training/unit/")
    _no_overflow(mpage)
    _shot(mpage, screenshots_dir, "06-unit-phone", guide=True)

    for context in (resident, trainer, anonymous, admin, desktop, manager):
        context.close()
    assert errors == [], errors

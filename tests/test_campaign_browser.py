"""The campaign site in a real headless Chromium at 360 px: home page, a 五进 hub, the escape-plan
builder (printable) and the home self-check with a hazard report. Screenshots land in
test-artifacts/screenshots/campaign-*.png for the guide (docs/guide/campaigns.md)."""

import io
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command

from home.models import HazardReport
from portal.tests.factories import wagtail_root
from tests.guide import GUIDE_IMG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def demo_site(live_server) -> str:
    wagtail_root()
    call_command("seed_demo", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


def _shot(page, screenshots_dir, name: str) -> None:
    """A full-page screenshot for test-artifacts/, copied where the guide takes its pictures from."""
    path = screenshots_dir / name
    page.screenshot(path=str(path), full_page=True)
    GUIDE_IMG.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, GUIDE_IMG / name)


def _fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )
    assert width <= PHONE["width"], f"horizontal overflow at 360 px: {width} px wide: {wide}"


def test_home_and_hub_on_a_phone(phone, demo_site, screenshots_dir):
    response = phone.goto(demo_site + "/", wait_until="load")
    assert response.status == 200
    assert CJK.search(phone.locator("h1").first.inner_text())
    assert phone.locator("a.door").count() == 3
    for door in phone.locator("a.door").all():
        assert door.bounding_box()["height"] >= 44
    assert phone.get_by_text("119消防宣传月：全民消防 生命至上").is_visible()
    _fits_phone(phone)
    _shot(phone, screenshots_dir, "campaign-home-phone-360.png")

    phone.locator("a.hub-link", has_text="进家庭").click()
    phone.wait_for_load_state("load")
    assert phone.locator("h1").inner_text() == "消防进家庭"
    assert phone.get_by_text("电动自行车不进楼道、不入户充电").is_visible()
    _fits_phone(phone)
    _shot(phone, screenshots_dir, "campaign-hub-family-phone-360.png")
    assert phone.js_errors == []


ROOMS = [
    ("客厅", "入户门出楼道走楼梯下楼", "阳台呼救，向楼下邻居示意"),
    ("主卧", "卧室门经客厅到入户门", "关门堵缝，在窗口挥动毛巾呼救"),
    ("次卧", "卧室门经客厅到入户门", "窗户呼救（二楼，不要跳）"),
    ("厨房", "厨房门经客厅到入户门", "关闭燃气阀门后从客厅离开"),
    ("书房", "书房门到客厅", "窗户呼救"),
    ("老人房", "爸爸扶奶奶经客厅出门", "关门堵缝，窗口呼救等待救援"),
]


def _pdf_pages(pdf: bytes, tmp_path) -> tuple[int, str]:
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return pages, text


def test_escape_plan_builder_prints_a_one_page_plan(phone, demo_site, screenshots_dir, tmp_path):
    phone.goto(demo_site + "/campaign/tools/escape-plan/", wait_until="load")
    _fits_phone(phone)
    assert phone.locator("input[name$='-name']").count() == 6  # four named rooms, two blank rows
    for n, (room, one, two) in enumerate(ROOMS):
        phone.fill(f"#id_rooms-{n}-name", room)
        phone.fill(f"#id_rooms-{n}-exit_one", one)
        phone.fill(f"#id_rooms-{n}-exit_two", two)
    phone.get_by_label("家庭或住址（可不填）").fill("新街口3号楼2单元501")
    phone.get_by_label("室外集合点").fill("3号楼门口的大树下")
    helpers = ["爸爸 → 奶奶（行动不便）", "妈妈 → 小明", "小明 → 拿手电筒", "最后离开的人 → 随手关门"]
    phone.get_by_label("谁帮助谁").fill("\n".join(helpers))
    _shot(phone, screenshots_dir, "campaign-escape-plan-form-phone-360.png")
    phone.get_by_role("button", name="生成我的逃生计划").click()
    phone.wait_for_load_state("load")

    sheet = phone.locator("#escape-plan")
    assert "3号楼门口的大树下" in sheet.inner_text()
    assert phone.locator("#escape-plan tbody tr").count() == 6
    _fits_phone(phone)
    _shot(phone, screenshots_dir, "campaign-escape-plan-phone-360.png")

    phone.emulate_media(media="print")
    assert not phone.locator(".site-header").is_visible()
    assert not phone.get_by_role("button", name="打印逃生计划").is_visible()
    assert sheet.is_visible()
    _shot(phone, screenshots_dir, "campaign-escape-plan-print-phone-360.png")
    pages, text = _pdf_pages(phone.pdf(format="A4", print_background=True), tmp_path)
    assert pages == 1, f"the plan prints on {pages} A4 pages"
    for expected in ("新街口3号楼2单元501", "3号楼门口的大树下", "老人房", "关闭燃气阀门后从客厅离开"):
        assert expected in text.replace(" ", "")
    assert "随手关门" in text
    assert phone.js_errors == []


def test_self_check_sends_a_hazard_report(phone, demo_site, screenshots_dir):
    phone.goto(demo_site + "/campaign/tools/self-check/", wait_until="load")
    _fits_phone(phone)
    answers = {
        "ebike_indoor": "yes",
        "corridor_blocked": "no",
        "flying_wire": "no",
        "smoke_alarm": "no",
        "extinguisher": "yes",
        "gas_hose": "no",
        "sockets": "no",
        "escape_plan": "yes",
    }
    for code, answer in answers.items():
        phone.locator(f"input[name={code}][value={answer}]").check()
    _shot(phone, screenshots_dir, "campaign-self-check-phone-360.png")
    phone.get_by_role("button", name="查看我的建议").click()
    phone.wait_for_load_state("load")

    assert phone.get_by_text("电动自行车只在室外充电点或智能充电柜充电", exact=False).is_visible()
    phone.get_by_label("街道", exact=True).select_option(label="新街口街道")
    phone.get_by_label("回访手机号（可不填）").fill("13812345678")
    _shot(phone, screenshots_dir, "campaign-self-check-advice-phone-360.png")
    phone.get_by_role("button", name="发送给街道").click()
    phone.wait_for_load_state("load")

    assert phone.get_by_text("新街口街道已收到您的报告", exact=False).is_visible()
    report = HazardReport.objects.get()
    assert report.area.name == "新街口街道"
    assert report.hazards == ["ebike_indoor"]
    assert phone.js_errors == []


def test_progress_page_draws_its_chart(phone, demo_site, screenshots_dir):
    phone.goto(demo_site + "/campaign/progress/", wait_until="load")

    phone.wait_for_function("document.getElementById('progress-chart').width > 0")
    assert phone.evaluate("typeof Chart") == "function"
    assert phone.evaluate("Chart.getChart('progress-chart').data.datasets.length") == 3
    _shot(phone, screenshots_dir, "campaign-progress-phone-360.png")
    assert phone.js_errors == []


def test_large_text_switch_sticks_across_pages(phone, demo_site, screenshots_dir):
    """适老化: one tap on 大字模式 enlarges every page, and the choice is remembered."""
    phone.goto(demo_site + "/", wait_until="load")
    root_size = "parseFloat(getComputedStyle(document.documentElement).fontSize)"
    normal = phone.evaluate(root_size)
    switch = phone.get_by_role("button", name="大字模式")
    assert switch.get_attribute("aria-pressed") == "false"
    assert switch.bounding_box()["height"] >= 44

    switch.click()

    assert switch.get_attribute("aria-pressed") == "true"
    large = phone.evaluate(root_size)
    assert large >= normal * 1.2
    _fits_phone(phone)
    _shot(phone, screenshots_dir, "campaign-large-text-phone-360.png")
    phone.locator("a.hub-link", has_text="进家庭").click()
    phone.wait_for_load_state("load")
    assert phone.evaluate(root_size) == large  # remembered on the next page
    phone.goto(demo_site + "/campaign/tools/self-check/", wait_until="load")
    assert phone.evaluate(root_size) == large
    _fits_phone(phone)

    phone.get_by_role("button", name="大字模式").click()
    assert phone.evaluate(root_size) == normal
    phone.reload(wait_until="load")
    assert phone.evaluate(root_size) == normal
    assert phone.js_errors == []


def _signed_in(chromium, live_server_url: str, username: str):
    """A desktop browser context carrying the session of a demo user (no password typing)."""
    from django.conf import settings
    from django.test import Client

    from portal.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server_url,
            }
        ]
    )
    return context


def test_district_admin_sees_coverage_and_assigns_a_reviewer(chromium, demo_site, screenshots_dir):
    context = _signed_in(chromium, demo_site, "district_admin")
    page = context.new_page()
    try:
        page.goto(demo_site + "/admin/campaign/coverage/", wait_until="load")
        assert page.locator("h1", has_text="“五进”覆盖情况").is_visible()
        assert page.locator("td.coverage-blind").count() > 0
        assert page.locator("table.coverage-table > tbody > tr").count() == 15  # the streets of 西城
        _shot(page, screenshots_dir, "campaign-coverage-desktop.png")

        page.goto(demo_site + "/admin/campaign/reviewers/", wait_until="load")
        row = page.locator("tr", has_text="trainer")
        row.get_by_role("button", name="设为审核员").click()
        page.wait_for_load_state("load")
        assert page.get_by_text("现在是审核员").is_visible()
        assert page.locator("tr", has_text="trainer").get_by_role("button", name="取消审核员").is_visible()
        _shot(page, screenshots_dir, "campaign-reviewers-desktop.png")
    finally:
        context.close()

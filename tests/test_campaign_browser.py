"""The campaign site in a real headless Chromium at 360 px: home page, a 五进 hub, the escape-plan
builder (printable) and the home self-check with a hazard report. Screenshots land in
test-artifacts/screenshots/campaign-*.png for the guide (docs/guide/campaigns.md)."""

import io
import re

import pytest
from django.core.management import call_command

from home.models import HazardReport
from portal.tests.factories import wagtail_root

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


def _fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal overflow at 360 px: {width} px wide"


def test_home_and_hub_on_a_phone(phone, demo_site, screenshots_dir):
    response = phone.goto(demo_site + "/", wait_until="load")
    assert response.status == 200
    assert CJK.search(phone.locator("h1").first.inner_text())
    assert phone.locator("a.door").count() == 3
    for door in phone.locator("a.door").all():
        assert door.bounding_box()["height"] >= 44
    assert phone.get_by_text("119消防宣传月：全民消防 生命至上").is_visible()
    _fits_phone(phone)
    phone.screenshot(path=str(screenshots_dir / "campaign-home-phone-360.png"), full_page=True)

    phone.locator("a.hub-link", has_text="进家庭").click()
    phone.wait_for_load_state("load")
    assert phone.locator("h1").inner_text() == "消防进家庭"
    assert phone.get_by_text("电动自行车不进楼道、不入户充电").is_visible()
    _fits_phone(phone)
    phone.screenshot(path=str(screenshots_dir / "campaign-hub-family-phone-360.png"), full_page=True)
    assert phone.js_errors == []


def test_escape_plan_builder_prints_a_plan(phone, demo_site, screenshots_dir):
    phone.goto(demo_site + "/campaign/tools/escape-plan/", wait_until="load")
    _fits_phone(phone)
    phone.fill("#id_rooms-0-exit_one", "入户门")
    phone.fill("#id_rooms-0-exit_two", "阳台呼救")
    phone.fill("#id_rooms-1-exit_one", "卧室门到客厅")
    phone.fill("#id_rooms-1-exit_two", "窗户呼救")
    for n in (2, 3):
        phone.fill(f"#id_rooms-{n}-name", "")
    phone.get_by_label("室外集合点").fill("3号楼门口的大树下")
    phone.get_by_label("谁帮助谁").fill("爸爸 → 奶奶")
    phone.screenshot(path=str(screenshots_dir / "campaign-escape-plan-form-phone-360.png"), full_page=True)
    phone.get_by_role("button", name="生成我的逃生计划").click()
    phone.wait_for_load_state("load")

    sheet = phone.locator("#escape-plan")
    assert "3号楼门口的大树下" in sheet.inner_text()
    assert "阳台呼救" in sheet.inner_text()
    _fits_phone(phone)
    phone.screenshot(path=str(screenshots_dir / "campaign-escape-plan-phone-360.png"), full_page=True)
    phone.emulate_media(media="print")
    assert not phone.locator(".site-header").is_visible()
    assert not phone.get_by_role("button", name="打印逃生计划").is_visible()
    assert sheet.is_visible()
    pdf = phone.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
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
    phone.screenshot(path=str(screenshots_dir / "campaign-self-check-phone-360.png"), full_page=True)
    phone.get_by_role("button", name="查看我的建议").click()
    phone.wait_for_load_state("load")

    assert phone.get_by_text("电动自行车只在室外充电点或智能充电柜充电", exact=False).is_visible()
    phone.get_by_label("街道", exact=True).select_option(label="新街口街道")
    phone.get_by_label("回访手机号（可不填）").fill("13812345678")
    phone.screenshot(path=str(screenshots_dir / "campaign-self-check-advice-phone-360.png"), full_page=True)
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
    phone.screenshot(path=str(screenshots_dir / "campaign-progress-phone-360.png"), full_page=True)
    assert phone.js_errors == []

"""The home page in a real headless Chromium: Chinese, readable on a small phone, screenshotted.

Screenshots land in test-artifacts/screenshots/ (gitignored), for a human or CI to keep.
"""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from portal.tests.factories import wagtail_root

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def demo_site(live_server) -> str:
    wagtail_root()
    call_command("seed_demo", stdout=io.StringIO())
    return live_server.url


def _check_home(chromium, url: str, viewport: dict, screenshot: Path) -> None:
    context = chromium.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        response = page.goto(url + "/", wait_until="load")
        assert response is not None
        assert response.status == 200, response.status
        page.screenshot(path=str(screenshot), full_page=True)

        assert page.evaluate("document.documentElement.lang").lower() == "zh-hans"
        heading = page.locator("h1").first
        assert heading.is_visible()
        assert CJK.search(heading.inner_text()), heading.inner_text()
        if viewport["width"] <= PHONE["width"]:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= viewport["width"], f"horizontal overflow at 360 px: {scroll_width} px wide"
        assert errors == [], errors
        assert screenshot.stat().st_size > 10_000
    finally:
        context.close()


def test_home_page_in_chromium(chromium, demo_site, screenshots_dir):
    for name, viewport in (("phone-360", PHONE), ("desktop-1366", DESKTOP)):
        _check_home(chromium, demo_site, viewport, screenshots_dir / f"home-{name}.png")

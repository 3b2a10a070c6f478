import pytest
from wagtail.models import Page, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_page(district):
    from home.models import HomePage

    root = Page.get_first_root_node()
    page = root.add_child(
        instance=HomePage(title="西城区消防宣教与志愿服务", slug="home-xc", district=district)
    )
    Site.objects.update_or_create(is_default_site=True, defaults={"root_page": page, "hostname": "localhost"})
    return page


def test_wagtail_admin_login_is_in_chinese(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert "登录" in response.content.decode()


def test_home_page_is_chinese_by_default(client, home_page):
    response = client.get("/")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_browser_language_alone_does_not_switch_to_english(client, home_page):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="zh-hans">' in response.content.decode()


def test_language_switch_to_english_sticks(client, home_page):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302

    response = client.get("/")

    assert '<html lang="en">' in response.content.decode()
    assert response["Content-Language"] == "en"


def test_unknown_language_falls_back_to_chinese(client, home_page, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    assert '<html lang="zh-hans">' in client.get("/").content.decode()

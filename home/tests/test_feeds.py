import xml.etree.ElementTree as ET

import pytest

from home.tests.factories import article_create
from portal.models import Channel

pytestmark = pytest.mark.django_db


def test_channel_feed_is_valid_rss_with_that_channels_articles(client, xc, xc_articles):
    article_create(
        index=xc_articles, title="村里柴草垛怎么放", channels=[Channel.objects.get(code="countryside")]
    )

    response = client.get("/campaign/rss/school/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")  # noqa: S314 — our own feed
    assert channel.findtext("title") == "西城区消防宣教与志愿服务 · 进学校"
    titles = [item.findtext("title") for item in channel.findall("item")]
    assert titles == ["小火会用灭火器：一拔二握三瞄四压"]
    link = channel.find("item").findtext("link")
    assert link == "http://testserver/articles/how-to-use-an-extinguisher/"
    assert channel.find("item").findtext("pubDate")


def test_feed_of_heping_lists_heping_articles_only(client, seed_output):
    response = client.get("/campaign/rss/community/", HTTP_HOST="heping.localhost")

    titles = [item.findtext("title") for item in ET.fromstring(response.content).iter("item")]  # noqa: S314 — our own feed
    assert "高层住宅火灾逃生要点" in titles
    assert "电动自行车不进楼道、不入户充电" not in titles


def test_unknown_channel_is_404(client, xc):
    assert client.get("/campaign/rss/nope/").status_code == 404


def test_hub_links_its_feed(client, xc):
    content = client.get("/school/").content.decode()

    assert 'type="application/rss+xml"' in content
    assert 'href="/campaign/rss/school/"' in content

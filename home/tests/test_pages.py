import re

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page

from home import cache as fragments
from home.models import (
    ArticleIndexPage,
    ArticleKind,
    ArticlePage,
    EventIndexPage,
    EventPage,
    HomePage,
    HubPage,
    TopicIndexPage,
    TopicPage,
)
from home.tests.factories import article_create, articles_bulk
from portal.models import Channel

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
# Measured on the demo data; identical at 10 and 1 000 articles (see the tests at the end).
HOME_QUERIES = 20
HUB_QUERIES = 16
ARTICLE_QUERIES = 12
HOME_CACHED_QUERIES = 6  # the progress, lists and hubs come from the shared fragment (home/cache.py)
HUB_CACHED_QUERIES = 8  # the hub's lists likewise


def test_page_tree_rules():
    assert ArticlePage.allowed_parent_page_models() == [ArticleIndexPage]
    assert TopicPage.allowed_parent_page_models() == [TopicIndexPage]
    assert EventPage.allowed_parent_page_models() == [EventIndexPage]
    assert HubPage.allowed_parent_page_models() == [HomePage]
    assert ArticleIndexPage.allowed_subpage_models() == [ArticlePage]
    assert HubPage.allowed_subpage_models() == []
    assert not ArticlePage.can_exist_under(HomePage())
    assert HomePage.allowed_parent_page_models() == [Page]


def test_one_article_index_per_home(xc):
    assert not ArticleIndexPage.can_create_at(xc)
    assert HubPage.can_create_at(xc)


def test_hazard_exposure_needs_a_video(xc_articles):
    article = ArticlePage(title="曝光", slug="x", summary="s", kind=ArticleKind.EXPOSURE)

    with pytest.raises(ValidationError) as error:
        article.clean()

    assert "video_url" in error.value.message_dict


def test_hub_lists_only_its_channels_articles(client, xc, xc_articles):
    school = Channel.objects.get(code="school")
    countryside = Channel.objects.get(code="countryside")
    article_create(index=xc_articles, title="校园消防演练怎么做", channels=[school])
    article_create(index=xc_articles, title="村里柴草垛怎么放", channels=[countryside])
    article_create(index=xc_articles, title="还没发布的校园文章", channels=[school], publish=False)
    hub = HubPage.objects.child_of(xc).get(channel=school)

    content = client.get(hub.url).content.decode()

    assert "校园消防演练怎么做" in content
    assert "小火会用灭火器" in content  # demo article tagged 进学校
    assert "村里柴草垛怎么放" not in content
    assert "还没发布的校园文章" not in content
    assert "电动自行车不进楼道" not in content  # demo article of 进社区/进家庭 only
    assert hub.audience_framing in content


def test_heping_hub_does_not_list_xicheng_articles(client, seed_output):
    hub = HubPage.objects.get(channel__code="community", url_path__startswith="/home-hp/")

    content = client.get("/community/", HTTP_HOST="heping.localhost").content.decode()

    assert hub.title in content
    assert "高层住宅火灾逃生要点" in content
    assert "电动自行车不进楼道" not in content


def test_article_renders_in_chinese_with_its_tags(client, xc):
    article = ArticlePage.objects.get(slug="ebike-no-indoor-charging")

    response = client.get(article.url)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>电动自行车不进楼道、不入户充电</h1>" in content
    assert "常识普及" in content
    assert "1510个智能充电柜" in content
    assert "进社区" in content and "进家庭" in content
    assert 'href="/topics/ebike/"' in content


def test_exposure_article_shows_its_video(client, xc):
    article = ArticlePage.objects.get(slug="exposure-blocked-corridors")

    content = client.get(article.url).content.decode()

    assert "隐患曝光" in content
    assert '<video controls preload="none" src="https://media.example.org/xc/corridor-hazards.mp4"' in content


def test_topic_page_lists_its_articles(client, xc):
    content = client.get("/topics/gas/").content.decode()

    assert "家用燃气安全：三查一关" in content
    assert "餐馆油锅起火" in content
    assert "电动自行车不进楼道" not in content


def test_article_index_filters_by_kind(client, xc):
    content = client.get("/articles/?kind=case").content.decode()

    assert "案例警示：楼道里充电的电动车" in content
    assert "家用燃气安全" not in content


def test_home_page_shows_tips_cases_events_and_three_doors(client, xc):
    content = client.get("/").content.decode()

    assert "小火会用灭火器：一拔二握三瞄四压" in content  # a tip
    assert "隐患曝光：电动车、杂物堵住楼道" in content  # a case/exposure
    assert "119消防宣传月：全民消防 生命至上" in content
    assert "消防夜校：灭火器和消火栓实操" in content
    assert content.count('class="door"') == 3
    assert 'class="door" href="/training/"' in content  # book a visit or training
    assert 'class="door" href="/volunteers/register/"' in content  # become a volunteer
    for hub in HubPage.objects.child_of(xc):
        assert f'href="/{hub.slug}/"' in content


def test_past_events_are_not_upcoming(client, xc, time_machine):
    time_machine.move_to("2030-01-01 12:00 +08:00")

    content = client.get("/").content.decode()

    assert "消防夜校：灭火器和消火栓实操" not in content
    assert "暂无近期活动" in content


def test_event_page_renders(client, xc):
    event = EventPage.objects.get(slug="station-open-day")

    content = client.get(event.url).content.decode()

    assert "什刹海消防站" in content
    assert "队站开放日" in content


def test_share_metadata_on_an_article(client, xc):
    article = ArticlePage.objects.get(slug="gas-safety-at-home")

    content = client.get(article.url).content.decode()

    assert '<meta property="og:title" content="家用燃气安全：三查一关">' in content
    assert f'<meta property="og:description" content="{article.summary}">' in content
    assert '<meta property="og:image" content="http://testserver/static/home/share.png">' in content
    assert '<meta property="og:type" content="article">' in content


def test_share_metadata_on_the_home_page(client, xc):
    content = client.get("/").content.decode()

    assert '<meta property="og:title" content="西城区消防宣教与志愿服务">' in content
    assert 'property="og:description" content="学消防知识' in content
    assert 'property="og:image"' in content


def _query_counts(client, xc) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    article = ArticlePage.objects.live().descendant_of(xc).order_by("path").first()
    hub = HubPage.objects.child_of(xc).get(channel__code="family")
    counts = {}
    for url in ("/", hub.url, article.url):
        client.get(url)  # warm the site root paths cache
        fragments.invalidate()  # the home page's shared fragment is built again: the full cost
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
        if url != article.url:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[f"{url} (fragment cached)"] = len(queries)
    return counts


def test_query_counts_are_the_same_with_10_and_1000_articles(client, xc, xc_articles):
    assert ArticlePage.objects.descendant_of(xc).count() == 10
    few = _query_counts(client, xc)

    articles_bulk(index=xc_articles, channel=Channel.objects.get(code="family"), count=990)
    assert ArticlePage.objects.descendant_of(xc).count() == 1000
    many = _query_counts(client, xc)

    assert many == few
    assert all(
        count <= limit
        for count, limit in zip(
            few.values(),
            (HOME_QUERIES, HOME_CACHED_QUERIES, HUB_QUERIES, HUB_CACHED_QUERIES, ARTICLE_QUERIES),
            strict=True,
        )
    ), few


def test_hub_lists_upcoming_sessions_and_activities_of_its_channel_only(client, xc):
    from training.selectors import sessions_upcoming
    from volunteers.selectors import activities_open

    sessions = list(sessions_upcoming(area=xc.district))
    activities = list(activities_open(district=xc.district))
    assert sessions and activities  # the demo seeds both
    shown = 0
    for hub in HubPage.objects.child_of(xc):
        content = client.get(f"/{hub.slug}/").content.decode()
        for session in sessions:
            link = f'href="/training/sessions/{session.pk}/book/"'
            if session.channel_id != hub.channel_id:
                assert link not in content
            elif session in [s for s in sessions if s.channel_id == hub.channel_id][:6]:
                assert link in content
                shown += 1
        for activity in activities:
            link = f'href="/volunteers/activities/{activity.pk}/"'
            if activity.channel_id != hub.channel_id:
                assert link not in content
            elif activity in [a for a in activities if a.channel_id == hub.channel_id][:6]:
                assert link in content
                shown += 1
    assert shown > 0


def test_hub_lists_the_courses_of_its_channel_only(client, xc):
    from courses.models import CoursePage

    courses = list(CoursePage.objects.live().descendant_of(xc).select_related("channel"))
    assert courses  # the demo seeds a catalogue for 西城
    for hub in HubPage.objects.child_of(xc).select_related("channel"):
        content = client.get(hub.url).content.decode()
        section = [*content.split('id="hub-courses"'), ""][1].split("</section>")[0]
        for course in courses:
            shown = f'<a href="/courses/{course.slug}/">{course.title}</a>' in section
            assert shown == (course.channel_id == hub.channel_id), (hub.channel.code, course.title)

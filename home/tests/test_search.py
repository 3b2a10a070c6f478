import pytest

from home import selectors, services
from home.models import ArticlePage, PageSearchText
from home.tests.factories import article_create

pytestmark = pytest.mark.django_db


def _titles(home, query: str) -> set[str]:
    return {page.title for page in selectors.pages_search(home=home, query=query)}


def test_chinese_words_find_the_pages_containing_them(xc):
    found = _titles(xc, "灭火器")

    assert "小火会用灭火器：一拔二握三瞄四压" in found  # in the title
    assert "冬季取暖，用电安全这样做" not in found
    assert "电动自行车不进楼道、不入户充电" in _titles(xc, "电动车")  # only in the body text
    assert "消防夜校：灭火器和消火栓实操" in found  # an event page


def test_words_in_the_body_only_are_found(xc, xc_articles):
    article_create(
        index=xc_articles,
        title="冬季安全",
        summary="冬天注意事项。",
        body=[("callout", {"title": "提醒", "text": "楼道里不要存放液化石油气钢瓶。"})],
    )

    assert _titles(xc, "液化石油气") == {"冬季安全"}


def test_every_word_must_occur(xc):
    both = _titles(xc, "灭火器 燃气")
    assert both == _titles(xc, "灭火器") & _titles(xc, "燃气")
    assert "案例警示：餐馆油锅起火，员工用水浇火酿大祸" in both
    assert "小火会用灭火器：一拔二握三瞄四压" not in both
    assert _titles(xc, "灭火器 不存在的词") == set()


def test_unpublished_and_other_district_pages_are_not_found(xc, xc_articles, seed_output):
    draft = article_create(index=xc_articles, title="草稿：灭火器保养", publish=False)
    article = ArticlePage.objects.get(slug="gas-safety-at-home")
    article.unpublish()

    assert "草稿：灭火器保养" not in _titles(xc, "灭火器")
    assert not PageSearchText.objects.filter(page_id__in=[draft.pk, article.pk]).exists()
    assert _titles(xc, "和和平平") == set()  # 和平's home page text
    assert _titles(xc, "三查一关") == set()


def test_search_page_in_chinese(client, xc):
    response = client.get("/campaign/search/", {"q": "电动车"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "电动自行车不进楼道、不入户充电" in content
    assert "个页面包含“电动车”" in content


def test_empty_query_shows_the_form_only(client, xc):
    content = client.get("/campaign/search/").content.decode()

    assert 'name="q"' in content
    assert "个页面包含" not in content


def test_rebuild_indexes_every_live_page(xc):
    PageSearchText.objects.all().delete()

    count = services.page_search_text_rebuild()

    assert count == PageSearchText.objects.count() > 30
    assert "小火会用灭火器：一拔二握三瞄四压" in _titles(xc, "灭火器")

"""The shared fragment of the home page (home/cache.py): a change shows at once, figures are at
most a minute old, and nothing about one user reaches another."""

import datetime

import pytest
from django.utils import timezone

from home import cache as fragments
from home.tests.factories import article_create
from portal import metrics
from portal.models import Metric, Target, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteers(monkeypatch):
    """The registered-volunteer figure of 西城, changeable by the test."""
    figure = {"value": 1234}
    monkeypatch.setattr(metrics, "_registry", {})
    metrics.register(Metric.REGISTERED_VOLUNTEERS, lambda *, district, year: figure["value"])
    return figure


def _home(client, **headers) -> str:
    response = client.get("/", **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_published_article_is_on_the_home_page_at_once(client, xc, xc_articles):
    assert "刚刚发布：楼道里的电动车" not in _home(client)  # fragment now cached

    article = article_create(index=xc_articles, title="刚刚发布：楼道里的电动车")

    assert "刚刚发布：楼道里的电动车" in _home(client)

    article.refresh_from_db()
    article.unpublish()
    assert "刚刚发布：楼道里的电动车" not in _home(client)


def test_a_changed_target_shows_at_once(client, xc, volunteers):
    assert "≥ 3000人" in _home(client) or "3000人" in _home(client)

    target = Target.objects.get(period__district__code="xc", metric=Metric.REGISTERED_VOLUNTEERS)
    target.value = 3500
    target.save()

    assert "3500人" in _home(client)


def test_figures_are_at_most_a_minute_old(client, xc, volunteers, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    assert "<strong>1234</strong>" in _home(client)

    volunteers["value"] = 1250  # a volunteer module counted more; it does not tell the campaign site
    assert "<strong>1234</strong>" in _home(client)

    time_machine.move_to(timezone.now() + datetime.timedelta(seconds=fragments.FRAGMENT_SECONDS + 1))
    assert "<strong>1250</strong>" in _home(client)


def test_the_shared_fragment_carries_nothing_of_the_user(client, xc):
    editor = User.objects.get(username="editor")
    anonymous_first = _home(client)  # the fragment is built by an anonymous visit
    client.force_login(editor)

    as_editor = _home(client)

    assert str(editor) in as_editor  # the header around the fragment is the editor's own
    assert "wagtail-userbar" in as_editor
    client.logout()
    anonymous_again = _home(client)
    assert str(editor) not in anonymous_again
    assert "wagtail-userbar" not in anonymous_again
    main = anonymous_again.split('<nav class="doors"')[1].split('class="body"')[0]
    assert "csrfmiddlewaretoken" not in main
    assert main in anonymous_first and main in as_editor  # one fragment for everyone


def test_the_cached_home_page_needs_few_queries(client, xc, django_assert_max_num_queries):
    _home(client)

    with django_assert_max_num_queries(6):
        _home(client)


def test_each_site_and_language_has_its_own_fragment(client, seed_output):
    xicheng = _home(client)
    heping = _home(client, HTTP_HOST="heping.localhost")

    assert "西城区规划指标" in xicheng.replace(" ", "") or "西城区" in xicheng
    assert "和平区" in heping and "西城区规划指标" not in heping
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _home(client)
    assert "plan targets" in english


def test_stats_json_shows_a_changed_target_at_once(client, xc, volunteers, django_assert_max_num_queries):
    def volunteers_row():
        rows = client.get("/api/v1/stats/targets", {"district": "xc"}).json()
        return next(row for row in rows if row["metric"] == Metric.REGISTERED_VOLUNTEERS)

    assert float(volunteers_row()["target"]) == 3000
    with django_assert_max_num_queries(0):
        assert float(volunteers_row()["actual"]) == 1234  # from the cache

    target = Target.objects.get(period__district__code="xc", metric=Metric.REGISTERED_VOLUNTEERS)
    target.value = 3500
    target.save()

    assert float(volunteers_row()["target"]) == 3500


def test_a_published_article_is_on_its_hub_at_once(client, xc, xc_articles):
    from home.models import HubPage
    from portal.models import Channel

    hub = HubPage.objects.child_of(xc).get(channel__code="school")
    assert "开学第一课：教室里的灭火器" not in client.get(hub.url).content.decode()

    article_create(
        index=xc_articles, title="开学第一课：教室里的灭火器", channels=[Channel.objects.get(code="school")]
    )

    assert "开学第一课：教室里的灭火器" in client.get(hub.url).content.decode()

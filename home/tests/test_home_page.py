import pytest
from django.utils.html import escape

from portal import metrics
from portal.demo import TARGETS
from portal.models import Metric, User

pytestmark = pytest.mark.django_db

# Measured on the seeded demo data; a change that adds queries per target or per block shows here.
# + hubs, events, tips, cases (one query each) and one per metric a domain module registers
HOME_PAGE_QUERIES_ANONYMOUS = 20
HOME_PAGE_QUERIES_EDITOR = 28  # the Wagtail user bar checks page permissions


def _sources(district: str) -> list[str]:
    return [seed.source for seed in TARGETS if seed.district == district]


def test_default_site_is_xicheng_with_its_targets_and_their_sources(client, seed_output):
    response = client.get("/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "西城区消防宣教与志愿服务" in content
    assert "西城区" in content
    assert "十四五" in content
    for source in _sources("xc"):
        assert escape(source) in content
    for source in _sources("hp") + _sources("mtg") + _sources("ft"):
        assert escape(source) not in content
    assert content.count('class="target"') == len(_sources("xc"))
    assert "通过实操实训成为“准消防员”的人数" in content  # a target note
    assert "电动自行车不进楼入户" in content  # a safety tip from the page body


def test_heping_site_shows_heping_targets(client, seed_output):
    response = client.get("/", HTTP_HOST="heping.localhost")

    content = response.content.decode()
    assert response.status_code == 200
    assert "和平区消防宣教与志愿服务" in content
    for source in _sources("hp"):
        assert escape(source) in content
    for source in _sources("xc"):
        assert escape(source) not in content


def test_unmeasured_targets_say_so_and_show_no_made_up_number(client, seed_output, monkeypatch):
    monkeypatch.setattr(metrics, "_registry", {})

    content = client.get("/").content.decode()

    assert content.count('class="target__pending"') == len(_sources("xc"))
    assert "<strong>" not in content.split('class="target-list"')[1].split("</ul>")[0]


def test_measured_target_shows_its_live_value(client, seed_output, monkeypatch):
    monkeypatch.setattr(metrics, "_registry", {})
    metrics.register(
        Metric.REGISTERED_VOLUNTEERS, lambda *, district, year: 1234 if district.code == "xc" else 0
    )

    content = client.get("/").content.decode()

    assert "<strong>1234</strong>" in content
    assert content.count('class="target__pending"') == len(_sources("xc")) - 1


def test_home_page_query_count_anonymous(client, seed_output, django_assert_max_num_queries):
    with django_assert_max_num_queries(HOME_PAGE_QUERIES_ANONYMOUS):
        response = client.get("/")

    assert response.status_code == 200


def test_home_page_query_count_for_an_editor(client, seed_output, django_assert_max_num_queries):
    client.force_login(User.objects.get(username="editor"))
    client.get("/")  # the session is loaded and cached once

    with django_assert_max_num_queries(HOME_PAGE_QUERIES_EDITOR):
        response = client.get("/")

    assert response.status_code == 200

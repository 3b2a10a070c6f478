"""The anonymous whole-page cache (portal/pagecache.py) on the campaign pages: anonymous visitors
share one rendered page; a signed-in page never comes out of it (nor goes into it); a published
article and an approval show at once; pages with a form (CSRF token) are never shared."""

import pytest
from django.utils import timezone

from home.tests.factories import article_create
from portal.models import User
from portal.pagecache import HIT_HEADER
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services
from volunteers.models import VolunteerProfile

pytestmark = pytest.mark.django_db


def _get(client, path="/", **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response


def test_a_second_anonymous_visit_is_served_from_the_page_cache_without_queries(
    client, xc, django_assert_num_queries
):
    first = _get(client)
    assert first.headers[HIT_HEADER] == "miss"
    assert "csrfmiddlewaretoken" not in first.content.decode()  # the language switch needs no token

    with django_assert_num_queries(0):
        second = _get(client)

    assert second.headers[HIT_HEADER] == "hit"
    assert second.content == first.content
    assert second.headers["Content-Type"] == first.headers["Content-Type"]


def test_hub_and_article_pages_are_shared_too(client, xc, xc_articles, django_assert_num_queries):
    from home.models import HubPage

    article = article_create(index=xc_articles, title="楼道里不停放电动自行车")
    hub = HubPage.objects.child_of(xc).get(channel__code="family")
    for url in (hub.url, article.url):
        _get(client, url)
        with django_assert_num_queries(0):
            assert _get(client, url).headers[HIT_HEADER] == "hit"


def test_a_signed_in_page_never_comes_from_the_anonymous_cache_nor_goes_into_it(client, xc):
    editor = User.objects.get(username="editor")
    volunteer = User.objects.get(username="volunteer")
    anonymous = _get(client)  # now cached

    client.force_login(editor)
    as_editor = _get(client)
    assert HIT_HEADER not in as_editor.headers
    assert str(editor) in as_editor.content.decode()

    client.force_login(volunteer)  # another user: their own page, not the editor's
    as_volunteer = _get(client).content.decode()
    assert str(volunteer) in as_volunteer and str(editor) not in as_volunteer

    client.logout()
    again = _get(client)
    assert again.headers[HIT_HEADER] == "hit"
    assert again.content == anonymous.content
    page = again.content.decode()
    assert str(editor) not in page and str(volunteer) not in page and "wagtail-userbar" not in page


def test_a_page_first_rendered_for_a_signed_in_user_is_not_stored(client, xc):
    editor = User.objects.get(username="editor")
    client.force_login(editor)
    _get(client)
    client.logout()

    anonymous = _get(client)

    assert anonymous.headers[HIT_HEADER] == "miss"
    assert str(editor) not in anonymous.content.decode()


def test_a_published_article_is_on_the_cached_home_page_at_once(client, xc, xc_articles):
    _get(client)
    assert _get(client).headers[HIT_HEADER] == "hit"

    article = article_create(index=xc_articles, title="刚刚发布：冬季取暖防火")

    assert "刚刚发布：冬季取暖防火" in _get(client).content.decode()
    article.refresh_from_db()
    article.unpublish()
    assert "刚刚发布：冬季取暖防火" not in _get(client).content.decode()


def test_an_approval_changes_the_progress_figures_at_once(client, xc):
    district = xc.district
    admin = User.objects.get(username="district_admin")
    pending = VolunteerProfile.objects.filter(
        district=district, status=VolunteerProfile.Status.PENDING
    ).first()
    year = timezone.localdate().year
    before = volunteer_selectors.registered_volunteers_count(district=district, year=year)
    assert f"<strong>{before}</strong>" in _get(client).content.decode()
    assert _get(client).headers[HIT_HEADER] == "hit"

    volunteer_services.volunteer_approve(profile=pending, by=admin)

    page = _get(client).content.decode()
    assert f"<strong>{before + 1}</strong>" in page


def test_each_language_has_its_own_cached_page(client, xc):
    chinese = _get(client).content.decode()
    response = client.get("/i18n/switch/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"

    english = _get(client).content.decode()

    assert english != chinese and 'lang="en"' in english
    client.cookies.pop("django_language", None)
    assert _get(client).content.decode() == chinese


def test_the_language_switch_only_returns_to_this_site(client, xc):
    response = client.get("/i18n/switch/", {"language": "en", "next": "https://evil.example/"})

    assert response.headers["Location"] == "/"
    assert response.cookies["django_language"].value == "en"


def test_an_unknown_language_sets_no_cookie(client, xc):
    response = client.get("/i18n/switch/", {"language": "xx", "next": "/campaign/progress/"})

    assert response.headers["Location"] == "/campaign/progress/"
    assert "django_language" not in response.cookies


def test_a_request_with_a_session_cookie_is_never_answered_from_the_cache(client, xc):
    _get(client)
    client.cookies["sessionid"] = "not-a-session"  # e.g. an expired log-in

    response = _get(client)

    assert HIT_HEADER not in response.headers


def test_articles_are_kept_longer_than_pages_with_live_figures(client, xc, xc_articles):
    from portal import pagecache

    article = article_create(index=xc_articles, title="长期有效：家用灭火器怎么选")

    assert _get(client, article.url).page_cache_seconds == pagecache.UNCHANGING_SECONDS
    assert not hasattr(_get(client, "/"), "page_cache_seconds")  # the home page: SECONDS, like its figures

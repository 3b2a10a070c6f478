"""The courses web pages: rendered in Chinese for anonymous and logged-in learners, no correct
answer before hand-in, late and repeated hand-ins explained, dashboard scoped by area, query
counts flat with the size of the bank."""

import datetime
import io
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from wagtail.models import Site

from courses import selectors, services
from courses.models import Attempt, LessonProgress, QuestionOption
from courses.tests.factories import QuestionFactory, course_with_lessons, home_page_for
from portal.models import Role
from portal.services import role_assign
from portal.tests.factories import DistrictFactory, UserFactory

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def make_user(db):
    def make(role=None, area=None, **kwargs):
        user = UserFactory(**kwargs)
        if role is not None:
            role_assign(user=user, role=role, area=area)
        return user

    return make


@pytest.fixture
def resident(make_user):
    return make_user(Role.RESIDENT)


@pytest.fixture
def site(index):
    home = home_page_for(index.district)
    Site.objects.all().delete()
    return Site.objects.create(hostname="testserver", port=80, root_page=home, is_default_site=True)


@pytest.fixture
def course(site, index, bank):
    course, lessons, quiz = course_with_lessons(index=index, lessons=2, question_count=5)
    return {"course": course, "lessons": lessons, "quiz": quiz}


def _learner_of(client):
    return services.learner_resolve(user=None, session=client.session, create=False)


def _start(client, quiz) -> Attempt:
    response = client.post(reverse("courses:quiz_start", kwargs={"quiz_id": quiz.pk}))
    assert response.status_code == 302, response.content
    attempt_id = int(response["Location"].rstrip("/").split("/")[-1])
    return Attempt.objects.get(pk=attempt_id)


def _correct_form(attempt: Attempt) -> dict:
    question_ids = [item["q"] for item in attempt.drawn]
    data: dict[str, list[str]] = {}
    for question_id, option_id in QuestionOption.objects.filter(
        question_id__in=question_ids, is_correct=True
    ).values_list("question_id", "pk"):
        data.setdefault(f"q{question_id}", []).append(str(option_id))
    return data


# ------------------------------------------------------------------------------
# Pages in Chinese, for anonymous and logged-in learners
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("logged_in", [False, True])
def test_course_pages_render_in_chinese(client, course, index, resident, logged_in):
    if logged_in:
        client.force_login(resident)
    for page in (index, course["course"], course["lessons"][0], course["quiz"]):
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html
        assert CJK.search(html)
    course_html = client.get(course["course"].url).content.decode()
    assert "尚未学习" in course_html  # each lesson shows its not-done state
    quiz_html = client.get(course["quiz"].url).content.decode()
    assert "开始答题" in quiz_html and "及格分" in quiz_html
    assert ("登录" in quiz_html) is True


def test_a_visit_creates_no_learner(client, course):
    client.get(course["lessons"][0].url)
    assert services.SESSION_KEY not in client.session


def test_mark_lesson_learned_anonymously_shows_done(client, course):
    lesson = course["lessons"][0]
    response = client.post(reverse("courses:lesson_complete", kwargs={"lesson_id": lesson.pk}))
    assert response.status_code == 302
    assert response["Location"] == course["lessons"][1].url  # on to the next lesson
    learner = _learner_of(client)
    assert LessonProgress.objects.filter(learner=learner, lesson=lesson).exists()
    html = client.get(course["course"].url).content.decode()
    assert "已学习" in html and "1 / 2" not in html
    assert "已学 1 课，共 2 课" in html


def test_lesson_complete_needs_post(client, course):
    response = client.get(reverse("courses:lesson_complete", kwargs={"lesson_id": course["lessons"][0].pk}))
    assert response.status_code == 405


# ------------------------------------------------------------------------------
# The answer sheet never carries the answers
# ------------------------------------------------------------------------------
def test_answer_sheet_has_no_correct_answer_or_explanation(client, course):
    attempt = _start(client, course["quiz"])
    response = client.get(reverse("courses:attempt", kwargs={"attempt_id": attempt.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    for marker in ("is_correct", "correct", "explanation", "火警电话是119", "data-correct", "解析"):
        assert marker not in html, marker
    # every drawn option is offered, as a labelled radio button, in the drawn order
    for item in attempt.drawn:
        positions = [html.index(f'id="q{item["q"]}-o{option}"') for option in item["o"]]
        assert positions == sorted(positions)
        for option in item["o"]:
            assert f'<label class="crs-option" for="q{item["q"]}-o{option}">' in html
    assert 'data-remaining-seconds="' in html and "剩余时间" in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_json_the_browser_receives_before_submit_holds_no_answer(client, course):
    """The only JSON before hand-in is the API's attempt payload (the web page sends none)."""
    payload = selectors.attempt_payload(attempt=_start(client, course["quiz"]))
    text = repr(payload)
    assert "correct" not in text and "explanation" not in text and "火警电话是119" not in text


def test_submitting_shows_score_explanations_and_right_answers(client, course):
    attempt = _start(client, course["quiz"])
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        response = client.post(
            reverse("courses:attempt", kwargs={"attempt_id": attempt.pk}), _correct_form(attempt)
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:attempt_result", kwargs={"attempt_id": attempt.pk})
    html = client.get(response["Location"]).content.decode()
    assert "100 分" in html and "已通过" in html
    assert html.count("火警电话是119") == 5  # each question's explanation
    assert "正确答案：" in html
    attempt.refresh_from_db()
    assert attempt.score == 100 and attempt.passed


def test_submitting_twice_shows_the_first_result(client, course):
    attempt = _start(client, course["quiz"])
    url = reverse("courses:attempt", kwargs={"attempt_id": attempt.pk})
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        client.post(url, {})  # nothing answered: 0 points
        response = client.post(url, _correct_form(attempt), follow=True)
    html = response.content.decode()
    assert "已经提交过" in html
    assert "0 分" in html
    attempt.refresh_from_db()
    assert attempt.score == 0
    assert Attempt.objects.filter(quiz=course["quiz"]).count() == 1


def test_late_submission_is_refused_with_a_chinese_message(client, course):
    attempt = _start(client, course["quiz"])
    url = reverse("courses:attempt", kwargs={"attempt_id": attempt.pk})
    with time_machine.travel(attempt.deadline + datetime.timedelta(minutes=5)):
        response = client.post(url, _correct_form(attempt), follow=True)
    html = response.content.decode()
    assert "答题时间已到" in html
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_double_start_reuses_the_open_attempt(client, course):
    first = _start(client, course["quiz"])
    second = _start(client, course["quiz"])
    assert first.pk == second.pk


def test_attempts_exhausted_message(client, site, index, bank):
    _course, _lessons, quiz = course_with_lessons(
        index=index, slug="one-try", question_count=3, attempts_per_round=1
    )
    attempt = _start(client, quiz)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        client.post(reverse("courses:attempt", kwargs={"attempt_id": attempt.pk}), {})
    response = client.post(reverse("courses:quiz_start", kwargs={"quiz_id": quiz.pk}), follow=True)
    html = response.content.decode()
    assert "本轮的答题次数已用完" in html
    assert Attempt.objects.filter(quiz=quiz).count() == 1


def test_someone_elses_attempt_is_not_found(client, course):
    attempt = _start(client, course["quiz"])
    client.cookies.clear()
    for name in ("courses:attempt", "courses:attempt_result"):
        assert client.get(reverse(name, kwargs={"attempt_id": attempt.pk})).status_code == 404


# ------------------------------------------------------------------------------
# Log-in keeps the progress
# ------------------------------------------------------------------------------
def test_progress_made_before_log_in_becomes_the_accounts(client, course, resident):
    client.post(reverse("courses:lesson_complete", kwargs={"lesson_id": course["lessons"][0].pk}))
    attempt = _start(client, course["quiz"])
    resident.set_password("correct-horse-119")
    resident.save()
    response = client.post(
        reverse("account_login"), {"login": resident.username, "password": "correct-horse-119"}
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.learner.user == resident
    html = client.get(course["course"].url).content.decode()
    assert "已学 1 课，共 2 课" in html


# ------------------------------------------------------------------------------
# Query counts flat with the bank size
# ------------------------------------------------------------------------------
def _queries(django_assert_max_num_queries, client, course):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(course["quiz"].url)  # warm the per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as start_page:
        assert client.get(course["quiz"].url).status_code == 200
    attempt = _start(client, course["quiz"])
    with CaptureQueriesContext(connection) as sheet:
        assert client.get(reverse("courses:attempt", kwargs={"attempt_id": attempt.pk})).status_code == 200
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)),
        CaptureQueriesContext(connection) as submit,
    ):
        client.post(reverse("courses:attempt", kwargs={"attempt_id": attempt.pk}), _correct_form(attempt))
    with CaptureQueriesContext(connection) as result:
        client.get(reverse("courses:attempt_result", kwargs={"attempt_id": attempt.pk}))
    return len(start_page), len(sheet), len(submit), len(result)


def test_quiz_pages_query_counts_do_not_grow_with_the_bank(
    client, site, index, django_assert_max_num_queries
):
    QuestionFactory.create_batch(12)
    _course, _lessons, small_quiz = course_with_lessons(index=index, slug="small", question_count=5)
    small = _queries(django_assert_max_num_queries, client, {"quiz": small_quiz})
    QuestionFactory.create_batch(120)
    client.cookies.clear()
    _course, _lessons, big_quiz = course_with_lessons(index=index, slug="big", question_count=5)
    big = _queries(django_assert_max_num_queries, client, {"quiz": big_quiz})
    assert small == big, (small, big)
    assert max(small) <= 40, small


# ------------------------------------------------------------------------------
# Dashboard
# ------------------------------------------------------------------------------
@pytest.fixture
def admin_of(make_user):
    def make(area, role=Role.DISTRICT_ADMIN):
        return make_user(role=role, area=area)

    return make


def test_dashboard_needs_a_staff_role(client, site, resident):
    url = reverse("courses:dashboard")
    assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(resident)
    assert client.get(url).status_code == 403


def test_dashboard_counts_learners_of_own_district_only(client, course, index, streets, admin_of):
    other = admin_of(DistrictFactory())
    # one learner placed in 南市街道
    learner = services.learner_resolve(user=None, session={}, create=True)
    services.learner_set_area(learner=learner, area=streets[0])
    services.lesson_complete(learner=learner, lesson=course["lessons"][0])

    client.force_login(admin_of(index.district))
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "学习人数" in html and "南市街道" in html and "劝业场街道" in html
    assert response.context["total"].learners == 1
    rows = {row.area.name: row.learners for row in response.context["rows"] if row.area}
    assert rows == {"南市街道": 1, "劝业场街道": 0}

    client.force_login(other)
    response = client.get(reverse("courses:dashboard"), {"district": index.district.pk})
    assert response.status_code == 200
    assert response.context["district"] != index.district  # not offered: falls back to their own
    assert "南市街道" not in response.content.decode()


def test_street_coordinator_sees_only_their_street_and_cannot_export(
    client, course, index, streets, admin_of
):
    client.force_login(admin_of(streets[0], role=Role.STREET_COORDINATOR))
    response = client.get(reverse("courses:dashboard"))
    assert response.status_code == 200
    names = [row.area.name for row in response.context["rows"]]
    assert names == ["南市街道"]
    assert not response.context["whole_district"]
    assert client.get(reverse("courses:dashboard"), {"format": "xlsx"}).status_code == 403


def test_dashboard_export_is_an_xlsx_with_three_sheets(client, course, index, admin_of):
    client.force_login(admin_of(index.district))
    response = client.get(reverse("courses:dashboard"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 3


def test_dashboard_highlights_confusing_questions(client, course, index, admin_of):
    attempt = _start(client, course["quiz"])
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60)):
        client.post(reverse("courses:attempt", kwargs={"attempt_id": attempt.pk}), {})  # all wrong
    client.force_login(admin_of(index.district))
    html = client.get(reverse("courses:dashboard")).content.decode()
    assert html.count('class="crs-row--flag"') == 5
    assert "可能有歧义" in html


def _count_queries(client, url, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params or {})  # warm per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def _learners_with_progress(n, lesson, street):
    for _ in range(n):
        learner = services.learner_resolve(user=None, session={}, create=True)
        services.learner_set_area(learner=learner, area=street)
        services.lesson_complete(learner=learner, lesson=lesson)


def test_dashboard_query_count_is_the_same_at_two_data_sizes(client, course, index, streets, admin_of):
    client.force_login(admin_of(index.district))
    url = reverse("courses:dashboard")
    _learners_with_progress(2, course["lessons"][0], streets[0])
    small = _count_queries(client, url)
    _learners_with_progress(25, course["lessons"][1], streets[1])
    big = _count_queries(client, url)
    assert small == big, (small, big)
    assert client.get(url).context["total"].learners == 27


def test_catalogue_and_course_pages_query_counts_are_flat(client, course, index):
    small = (_count_queries(client, index.url), _count_queries(client, course["course"].url))
    for n in range(4):
        course_with_lessons(index=index, slug=f"extra{n}", lessons=3, question_count=3)
    big = (_count_queries(client, index.url), _count_queries(client, course["course"].url))
    assert small == big, (small, big)


def test_menu_links_to_the_catalogue_and_only_staff_see_statistics(client, course, index, resident, admin_of):
    html = client.get(index.url).content.decode()
    assert f'<a href="{index.url}">在线学习</a>' in html
    assert "学习统计" not in html
    client.force_login(resident)
    assert "学习统计" not in client.get(index.url).content.decode()
    client.force_login(admin_of(index.district))
    assert "学习统计" in client.get(index.url).content.decode()


def test_learner_says_which_street_and_is_counted_there(client, course, streets):
    client.post(reverse("courses:lesson_complete", kwargs={"lesson_id": course["lessons"][0].pk}))
    html = client.get(course["course"].url).content.decode()
    assert "您住在哪个街道" in html and "南市街道" in html
    response = client.post(
        reverse("courses:learner_area"), {"area": streets[0].pk, "next": course["course"].url}
    )
    assert response.status_code == 302 and response["Location"] == course["course"].url
    assert _learner_of(client).area == streets[0]
    assert "您住在哪个街道" not in client.get(course["course"].url).content.decode()
    # an outside address is not followed
    response = client.post(
        reverse("courses:learner_area"), {"area": streets[1].pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_lesson_shows_video_and_downloadable_material(client, course, settings, tmp_path):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    settings.MEDIA_ROOT = tmp_path
    if Collection.get_first_root_node() is None:  # a transactional test's flush removed the migration's root
        Collection.add_root(name="Root")
    documents = get_document_model()
    video = documents.objects.create(title="油锅灭火演示", file=ContentFile(b"\x00" * 16, name="pan.mp4"))
    leaflet = documents.objects.create(
        title="家庭防火检查表", file=ContentFile(b"%PDF-1.4", name="check.pdf")
    )
    lesson = course["lessons"][0]
    lesson.body = [
        ("video", {"video": video, "caption": "锅盖一盖，火就灭"}),
        ("download", {"document": leaflet, "title": ""}),
    ]
    lesson.save_revision().publish()
    html = client.get(lesson.url).content.decode()
    assert f'<video class="crs-video" controls preload="metadata" playsinline src="{video.url}">' in html
    assert "锅盖一盖，火就灭" in html
    assert f'<a href="{leaflet.url}" download>⬇ 家庭防火检查表</a>' in html


def test_quiz_page_shows_round_dates_and_a_closed_quiz_says_when_it_opens(client, course):
    from courses.models import QuizRound

    quiz = course["quiz"]
    now = timezone.now()
    QuizRound.objects.create(
        quiz=quiz,
        name="119消防宣传月",
        starts_at=now - datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=29),
    )
    html = client.get(quiz.url).content.decode()
    assert "119消防宣传月" in html and "本轮剩余答题次数" in html and "开始答题" in html
    QuizRound.objects.all().delete()
    QuizRound.objects.create(
        quiz=quiz,
        name="2027年春季",
        starts_at=now + datetime.timedelta(days=100),
        ends_at=now + datetime.timedelta(days=130),
    )
    html = client.get(quiz.url).content.decode()
    assert "下一轮“2027年春季”将于" in html
    assert "开始答题" not in html
    response = client.post(reverse("courses:quiz_start", kwargs={"quiz_id": quiz.pk}), follow=True)
    assert "该答题目前未开放" in response.content.decode()

"""Statistics against hand-computed numbers; the learner payload and progress selectors."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from courses import selectors, services
from courses.models import Learner, QuestionOption
from courses.tests.factories import QuestionFactory, TopicFactory, course_with_lessons, quiz_page
from portal import metrics
from portal.models import Metric
from portal.tests.factories import DistrictFactory

pytestmark = pytest.mark.django_db


def take(learner, quiz, *, right: set[int], seconds: int, start):
    """One attempt answering exactly the questions in ``right`` correctly."""
    attempt = services.attempt_start(learner=learner, quiz=quiz, now=start, resume=False)
    answers = {}
    for item in attempt.drawn:
        ok = item["q"] in right
        answers[str(item["q"])] = [
            QuestionOption.objects.filter(question_id=item["q"], is_correct=ok).first().pk
        ]
    return services.attempt_submit(
        learner=learner,
        attempt_id=attempt.pk,
        answers=answers,
        now=start + datetime.timedelta(seconds=seconds),
    )


@pytest.fixture
def scenario(district, streets, index):
    """Learners and attempts whose statistics are worked out by hand in the tests below."""
    south, quanyechang = streets
    elsewhere = DistrictFactory()
    topic = TopicFactory(name="知晓率", slug="aw")
    q1 = QuestionFactory(code="S1", topics=[topic])
    q2 = QuestionFactory(code="S2", topics=[topic])
    quiz = quiz_page(parent=index, slug="awareness", question_count=2, min_seconds=20, topics=[topic])
    index.awareness_quiz = quiz
    index.save_revision().publish()
    _course, lessons, _quiz = course_with_lessons(index=index, with_quiz=False)
    now = timezone.now() - datetime.timedelta(hours=1)
    both = {q1.pk, q2.pk}

    def learner(area):
        return Learner.objects.create(anonymous_key=f"k{Learner.objects.count()}", area=area)

    l1, l2, l3, l4 = learner(south), learner(south), learner(quanyechang), learner(quanyechang)
    l5 = learner(district)
    l6, l7, l8, l9 = learner(elsewhere), learner(elsewhere), learner(elsewhere), learner(elsewhere)
    services.lesson_complete(learner=l1, lesson=lessons[0])
    take(l2, quiz, right=both, seconds=60, start=now)  # first attempt passes
    services.lesson_complete(learner=l3, lesson=lessons[0])
    take(l3, quiz, right={q1.pk}, seconds=60, start=now)  # first fails (50)
    take(l3, quiz, right=both, seconds=60, start=now + datetime.timedelta(minutes=1))  # then passes
    services.attempt_start(learner=l4, quiz=quiz, now=now)  # never handed in: not a learner
    services.lesson_complete(learner=l5, lesson=lessons[1])  # street unknown
    services.lesson_complete(learner=l6, lesson=lessons[0])  # another district
    take(l7, quiz, right=both, seconds=5, start=now)  # too fast: left out
    take(
        l7, quiz, right=set(), seconds=60, start=now + datetime.timedelta(minutes=1)
    )  # first plausible fails
    take(l8, quiz, right=both, seconds=90, start=now)
    take(l9, quiz, right=both, seconds=3, start=now)  # only a too-fast attempt: left out
    return {"quiz": quiz, "q1": q1, "q2": q2, "south": south, "quanyechang": quanyechang}


def test_learners_per_district_and_street_against_population(district, scenario, django_assert_num_queries):
    with django_assert_num_queries(2):
        total, rows = selectors.learners_by_street(district=district)
    # 南市: l1, l2; 劝业场: l3 (l4 never finished anything); street unknown: l5.
    by_name = {(r.area.name if r.area else None): r for r in rows}
    assert {name: r.learners for name, r in by_name.items()} == {"南市街道": 2, "劝业场街道": 1, None: 1}
    assert rows[-1].area is None  # the "street not known" row comes last
    assert (total.learners, total.population, total.share) == (4, 1000, Decimal("0.40"))
    assert by_name["南市街道"].share == Decimal("0.50") and by_name["劝业场街道"].share == Decimal("0.17")
    year = timezone.localdate().year
    assert metrics.actual(Metric.LEARNER_SHARE, district=district, year=year) == Decimal("0.40")
    assert metrics.actual(Metric.LEARNER_SHARE, district=district, year=year - 1) == Decimal("0.00")


def test_awareness_rate_counts_first_plausible_attempts(district, scenario, django_assert_num_queries):
    with django_assert_num_queries(2):
        rate = selectors.awareness_rate(district=district)
    # People: l2 (pass), l3 (first failed), l7 (first plausible failed), l8 (pass); l9 left out.
    assert (rate.people, rate.passed, rate.rate) == (4, 2, Decimal("50.00"))
    year = timezone.localdate().year
    assert metrics.actual(Metric.AWARENESS_RATE, district=district, year=year) == Decimal("50.00")
    assert selectors.awareness_rate(district=DistrictFactory()) is None


def test_per_question_correct_rates(district, scenario):
    rows = selectors.question_correct_rates(district=district)
    # Plausible attempts: l2, l3a, l3b, l7b, l8. S1 right in l2, l3a, l3b, l8; S2 in l2, l3b, l8.
    assert [(r["code"], r["answered"], r["correct"], r["rate"]) for r in rows] == [
        ("S2", 5, 3, Decimal("60.0")),
        ("S1", 5, 4, Decimal("80.0")),
    ]


def test_statistics_export(district, scenario):
    book = load_workbook(io.BytesIO(selectors.statistics_export_xlsx(district=district)))
    learners = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("南市街道", 2, 400, 0.5) in learners and learners[-1][1:] == (4, 1000, 0.4)
    assert list(book.worksheets[1].iter_rows(values_only=True))[1] == (4, 2, 50.0)
    assert [r[0] for r in list(book.worksheets[2].iter_rows(values_only=True))[1:]] == ["S2", "S1"]


def test_learner_progress(index, bank):
    course, lessons, quiz = course_with_lessons(index=index, question_count=2, min_seconds=0)
    learner = services.learner_resolve(user=None, session={})
    services.lesson_complete(learner=learner, lesson=lessons[0])
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    services.attempt_submit(learner=learner, attempt_id=attempt.pk, answers={})
    [row] = selectors.learner_progress(learner=learner)
    assert (
        row["course"].pk,
        row["lessons_done"],
        row["lessons_total"],
        row["best_score"],
        row["passed"],
    ) == (
        course.pk,
        1,
        2,
        0,
        False,
    )
    status = selectors.quiz_learner_status(quiz=quiz, learner=learner)
    assert (status["attempts_used"], status["attempts_left"], status["open_attempt"]) == (1, 9, None)
    assert status["last_attempt"].pk == attempt.pk

"""Demo data: real content, idempotent, quick."""

import time

import pytest

from courses import demo, selectors
from courses.models import Attempt, CourseIndexPage, CoursePage, LessonPage, Question, QuizPage, QuizRound
from portal.models import Area

pytestmark = pytest.mark.django_db


def test_seed_builds_the_catalogue_and_is_idempotent():
    from home.demo import seed_home_pages
    from portal.demo import seed_kernel
    from portal.tests.factories import wagtail_root

    wagtail_root()  # put back if a transactional test's flush removed it
    seed_kernel()
    seed_home_pages()
    started = time.monotonic()
    demo.seed()
    assert time.monotonic() - started < 30
    counts = [
        Question.objects.count(),
        CourseIndexPage.objects.count(),
        CoursePage.objects.count(),
        LessonPage.objects.count(),
        QuizPage.objects.count(),
        QuizRound.objects.count(),
        Attempt.objects.count(),
    ]
    assert counts[:6] == [60, 2, 8, 16, 10, 4]
    assert counts[6] > 0
    titles = set(CoursePage.objects.values_list("title", flat=True))
    assert titles == {"家庭防火", "电动自行车安全", "灭火器和消火栓使用", "火场逃生"}
    demo.seed()
    assert counts == [
        Question.objects.count(),
        CourseIndexPage.objects.count(),
        CoursePage.objects.count(),
        LessonPage.objects.count(),
        QuizPage.objects.count(),
        QuizRound.objects.count(),
        Attempt.objects.count(),
    ]
    hp = Area.objects.get(code="hp")
    awareness = selectors.awareness_rate(district=hp)
    assert awareness is not None and awareness.people > 0
    total, rows = selectors.learners_by_street(district=hp)
    assert total.learners == 12 and sum(r.learners for r in rows) == 12

"""PostgreSQL: the attempt cap and single grading hold when requests race (real threads, real row locks)."""

import threading

import pytest
from django.db import connection

from courses import services
from courses.models import Attempt, AttemptAnswer, AttemptQuota, QuestionOption
from courses.tests.factories import QuestionFactory, course_index, quiz_page
from portal.errors import PortalError
from portal.tests.factories import DistrictFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(function, n: int) -> list:
    """Run ``function`` in ``n`` threads released at the same moment; returns results or errors."""
    barrier = threading.Barrier(n)
    results: list = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            outcome = function()
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_starts_never_exceed_the_attempt_cap():
    index = course_index(district=DistrictFactory())
    QuestionFactory.create_batch(4)
    quiz = quiz_page(parent=index, question_count=2, attempts_per_round=3)
    learner = services.learner_resolve(user=None, session={})
    results = race(lambda: services.attempt_start(learner=learner, quiz=quiz, resume=False), 10)
    started = [r for r in results if isinstance(r, Attempt)]
    refused = [r for r in results if isinstance(r, PortalError)]
    assert len(started) == 3 and len(refused) == 7, results
    assert {e.code for e in refused} == {"ATTEMPTS_EXHAUSTED"}
    assert sorted(Attempt.objects.filter(learner=learner).values_list("attempt_no", flat=True)) == [1, 2, 3]
    assert AttemptQuota.objects.get(learner=learner).used == 3


def test_concurrent_submits_grade_once():
    index = course_index(district=DistrictFactory())
    QuestionFactory.create_batch(3)
    quiz = quiz_page(parent=index, question_count=3, min_seconds=0)
    learner = services.learner_resolve(user=None, session={})
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    answers = {
        str(item["q"]): list(
            QuestionOption.objects.filter(question_id=item["q"], is_correct=True).values_list("pk", flat=True)
        )
        for item in attempt.drawn
    }
    results = race(
        lambda: services.attempt_submit(learner=learner, attempt_id=attempt.pk, answers=answers), 6
    )
    assert all(isinstance(r, Attempt) for r in results), results
    assert {(r.score, r.submitted_at) for r in results} == {(100, results[0].submitted_at)}
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 3

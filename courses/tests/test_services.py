"""Courses services: drawing, grading, caps, deadlines, double submits, progress and merging."""

import datetime
import random

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses import selectors, services
from courses.models import Attempt, AttemptAnswer, AttemptQuota, CourseCompletion, Learner, LessonProgress
from courses.tests.factories import QuestionFactory, course_with_lessons, quiz_page
from portal.errors import PortalError
from portal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 9, 10, 0, tzinfo=datetime.UTC)


def anon() -> Learner:
    return services.learner_resolve(user=None, session={})


def correct_answers(attempt) -> dict:
    from courses.models import QuestionOption

    answers = {}
    for item in attempt.drawn:
        answers[str(item["q"])] = list(
            QuestionOption.objects.filter(question_id=item["q"], is_correct=True).values_list("pk", flat=True)
        )
    return answers


def wrong_answers(attempt) -> dict:
    from courses.models import QuestionOption

    return {
        str(item["q"]): [QuestionOption.objects.filter(question_id=item["q"], is_correct=False).first().pk]
        for item in attempt.drawn
    }


def test_start_draws_n_distinct_questions_and_stores_a_shuffled_option_order(index, bank):
    quiz = quiz_page(parent=index, question_count=5)
    attempt = services.attempt_start(learner=anon(), quiz=quiz, now=NOW, rng=random.Random(3))
    ids = [item["q"] for item in attempt.drawn]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert set(ids) <= {q.pk for q in bank}
    orders = [item["o"] for item in attempt.drawn]
    natural = [sorted(o) for o in orders]
    assert any(o != n for o, n in zip(orders, natural, strict=True))  # shuffled somewhere
    assert attempt.deadline == NOW + datetime.timedelta(minutes=15)
    assert attempt.attempt_no == 1 and attempt.district_id == index.district_id


def test_quiz_draws_only_from_its_topics_and_district(index, district):
    from courses.tests.factories import TopicFactory
    from portal.tests.factories import DistrictFactory

    gas = TopicFactory(name="燃气", slug="gas")
    other = DistrictFactory()
    tagged = QuestionFactory.create_batch(3, topics=[gas])
    QuestionFactory.create_batch(5)  # untagged
    QuestionFactory(topics=[gas], district=other)  # another district's
    QuestionFactory(topics=[gas], is_active=False)
    quiz = quiz_page(parent=index, question_count=3, topics=[gas])
    attempt = services.attempt_start(learner=anon(), quiz=quiz, now=NOW)
    assert {item["q"] for item in attempt.drawn} == {q.pk for q in tagged}
    small = quiz_page(parent=index, slug="q4", question_count=4, topics=[gas])
    with pytest.raises(PortalError) as exc:
        services.attempt_start(learner=anon(), quiz=small, now=NOW)
    assert exc.value.code == "QUIZ_BANK_TOO_SMALL"


def test_grading_counts_exact_option_sets_and_the_pass_mark(index, bank):
    multi = QuestionFactory(
        kind="multiple", options=[("关闭阀门", True), ("开窗通风", True), ("打开排风扇", False)]
    )
    quiz = quiz_page(parent=index, question_count=13, pass_mark=60, min_seconds=0)
    learner = anon()
    attempt = services.attempt_start(learner=learner, quiz=quiz, now=NOW)
    answers = correct_answers(attempt)
    wrong = wrong_answers(attempt)
    ids = [str(item["q"]) for item in attempt.drawn]
    # 7 right, multi answered partially (wrong), 5 wrong/unanswered
    right_ids = [i for i in ids if i != str(multi.pk)][:7]
    submitted = {i: answers[i] for i in right_ids}
    submitted[str(multi.pk)] = answers[str(multi.pk)][:1]
    for i in [i for i in ids if i not in submitted][:3]:
        submitted[i] = wrong[i]
    done = services.attempt_submit(
        learner=learner, attempt_id=attempt.pk, answers=submitted, now=NOW + datetime.timedelta(minutes=5)
    )
    assert done.correct_count == 7
    assert done.score == round(700 / 13) == 54
    assert done.passed is False
    assert AttemptAnswer.objects.filter(attempt=done).count() == 13
    second = services.attempt_start(learner=learner, quiz=quiz, now=NOW + datetime.timedelta(minutes=6))
    result = services.attempt_submit(
        learner=learner,
        attempt_id=second.pk,
        answers=correct_answers(second),
        now=NOW + datetime.timedelta(minutes=9),
    )
    assert (result.score, result.passed, result.attempt_no) == (100, True, 2)


def test_second_submit_is_a_no_op_returning_the_first_result(index, bank):
    quiz = quiz_page(parent=index, question_count=4, min_seconds=0)
    learner = anon()
    attempt = services.attempt_start(learner=learner, quiz=quiz, now=NOW)
    first = services.attempt_submit(
        learner=learner,
        attempt_id=attempt.pk,
        answers=correct_answers(attempt),
        now=NOW + datetime.timedelta(minutes=1),
    )
    again = services.attempt_submit(
        learner=learner,
        attempt_id=attempt.pk,
        answers=wrong_answers(attempt),
        now=NOW + datetime.timedelta(minutes=2),
    )
    assert (again.score, again.passed, again.submitted_at) == (100, True, first.submitted_at)
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 4
    assert Attempt.objects.filter(learner=learner).count() == 1


def test_late_submission_is_refused_and_grace_accepted(index, bank):
    quiz = quiz_page(parent=index, question_count=3, time_limit_minutes=15)
    learner = anon()
    attempt = services.attempt_start(learner=learner, quiz=quiz, now=NOW)
    late = NOW + datetime.timedelta(minutes=15, seconds=services.SUBMIT_GRACE_SECONDS + 1)
    with pytest.raises(PortalError) as exc:
        services.attempt_submit(learner=learner, attempt_id=attempt.pk, answers={}, now=late)
    assert exc.value.code == "ATTEMPT_LATE"
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not AttemptAnswer.objects.exists()
    other = services.attempt_start(learner=learner, quiz=quiz, now=NOW, resume=False)
    in_grace = NOW + datetime.timedelta(minutes=15, seconds=services.SUBMIT_GRACE_SECONDS - 1)
    assert services.attempt_submit(learner=learner, attempt_id=other.pk, answers={}, now=in_grace).score == 0


def test_answers_must_belong_to_the_attempt(index, bank):
    quiz = quiz_page(parent=index, question_count=3)
    learner = anon()
    attempt = services.attempt_start(learner=learner, quiz=quiz, now=NOW, rng=random.Random(1))
    drawn = {item["q"] for item in attempt.drawn}
    outsider = next(q for q in bank if q.pk not in drawn)
    with pytest.raises(PortalError) as exc:
        services.attempt_submit(
            learner=learner,
            attempt_id=attempt.pk,
            answers={str(outsider.pk): [outsider.options.first().pk]},
            now=NOW,
        )
    assert exc.value.code == "ANSWER_UNKNOWN_QUESTION"
    first = attempt.drawn[0]["q"]
    with pytest.raises(PortalError) as exc:
        services.attempt_submit(
            learner=learner,
            attempt_id=attempt.pk,
            answers={str(first): [outsider.options.first().pk]},
            now=NOW,
        )
    assert exc.value.code == "ANSWER_UNKNOWN_OPTION"
    with pytest.raises(PortalError) as exc:
        services.attempt_submit(learner=anon(), attempt_id=attempt.pk, answers={}, now=NOW)
    assert exc.value.code == "ATTEMPT_NOT_FOUND"
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_attempts_per_round_cap_and_resume(index, bank):
    quiz = quiz_page(parent=index, question_count=2, attempts_per_round=3)
    learner = anon()
    first = services.attempt_start(learner=learner, quiz=quiz, now=NOW)
    assert services.attempt_start(learner=learner, quiz=quiz, now=NOW).pk == first.pk  # double click
    for _n in range(2):
        services.attempt_start(learner=learner, quiz=quiz, now=NOW, resume=False)
    with pytest.raises(PortalError) as exc:
        services.attempt_start(learner=learner, quiz=quiz, now=NOW, resume=False)
    assert exc.value.code == "ATTEMPTS_EXHAUSTED"
    assert Attempt.objects.filter(learner=learner).count() == 3
    # The database itself refuses a fourth, whatever the code does.
    quota = AttemptQuota.objects.get(learner=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttemptQuota.objects.filter(pk=quota.pk).update(used=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(
            learner=learner, quiz=quiz, round=first.round, attempt_no=3, started_at=NOW, deadline=NOW
        )


def test_rounds_open_and_close(index, bank):
    from courses.models import QuizRound

    quiz = quiz_page(parent=index, question_count=2, attempts_per_round=1)
    november = QuizRound.objects.create(
        quiz=quiz,
        name="2026年119消防宣传月",
        starts_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )
    learner = anon()
    with pytest.raises(PortalError) as exc:
        services.attempt_start(
            learner=learner, quiz=quiz, now=datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)
        )
    assert exc.value.code == "QUIZ_CLOSED"
    assert services.attempt_start(learner=learner, quiz=quiz, now=NOW).round == november
    QuizRound.objects.create(
        quiz=quiz, name="2027年", starts_at=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    )
    later = services.attempt_start(
        learner=learner, quiz=quiz, now=datetime.datetime(2027, 1, 5, tzinfo=datetime.UTC)
    )
    assert later.attempt_no == 1  # a new round, a new allowance


def test_implausibly_fast_submission_is_flagged(index, bank):
    quiz = quiz_page(parent=index, question_count=3, min_seconds=20)
    learner = anon()
    attempt = services.attempt_start(learner=learner, quiz=quiz, now=NOW)
    done = services.attempt_submit(
        learner=learner,
        attempt_id=attempt.pk,
        answers=correct_answers(attempt),
        now=NOW + datetime.timedelta(seconds=4),
    )
    assert done.too_fast is True and done.passed is True


def test_submissions_are_rate_limited(index, bank, settings):
    quiz = quiz_page(parent=index, question_count=1, attempts_per_round=50)
    learner = anon()
    with time_machine.travel(NOW, tick=False):
        for _n in range(services.RATE_LIMIT_PER_MINUTE):
            services.attempt_start(learner=learner, quiz=quiz, now=NOW, resume=False)
        with pytest.raises(PortalError) as exc:
            services.attempt_start(learner=learner, quiz=quiz, now=NOW, resume=False)
    assert exc.value.code == "RATE_LIMITED"


def test_lesson_complete_is_idempotent_and_places_the_learner(index):
    course, lessons, _quiz = course_with_lessons(index=index, with_quiz=False)
    learner = anon()
    first = services.lesson_complete(learner=learner, lesson=lessons[0], now=NOW)
    again = services.lesson_complete(learner=learner, lesson=lessons[0], now=NOW + datetime.timedelta(days=1))
    assert first.pk == again.pk and again.completed_at == NOW
    learner.refresh_from_db()
    assert learner.area_id == index.district_id
    assert not CourseCompletion.objects.exists()
    services.lesson_complete(learner=learner, lesson=lessons[1])
    assert CourseCompletion.objects.filter(learner=learner, course=course).exists()


def test_anonymous_progress_and_attempts_are_attached_on_log_in(client, index, bank):
    course, lessons, quiz = course_with_lessons(
        index=index, question_count=2, attempts_per_round=3, min_seconds=0
    )
    user = UserFactory()
    # The account already learned a bit elsewhere: one lesson and one attempt.
    mine = services.learner_resolve(user=user, session={})
    services.lesson_complete(learner=mine, lesson=lessons[0])
    services.attempt_start(learner=mine, quiz=quiz)
    # Anonymous, in this browser: both lessons and two attempts, the second passing.
    session = client.session
    anon_learner = services.learner_resolve(user=None, session=session)
    session.save()
    for lesson in lessons:
        services.lesson_complete(learner=anon_learner, lesson=lesson)
    a1 = services.attempt_start(learner=anon_learner, quiz=quiz)
    services.attempt_submit(learner=anon_learner, attempt_id=a1.pk, answers={})
    a2 = services.attempt_start(learner=anon_learner, quiz=quiz)
    services.attempt_submit(learner=anon_learner, attempt_id=a2.pk, answers=correct_answers(a2))
    client.force_login(user)  # sends user_logged_in with the request's session
    assert not Learner.objects.filter(pk=anon_learner.pk).exists()
    assert LessonProgress.objects.filter(learner=mine).count() == 2
    assert sorted(Attempt.objects.filter(learner=mine).values_list("attempt_no", flat=True)) == [1, 2, 3]
    quota = AttemptQuota.objects.get(learner=mine)
    assert (quota.used, quota.allowed) == (3, 3)
    assert CourseCompletion.objects.filter(learner=mine, course=course).exists()
    with pytest.raises(PortalError) as exc:
        services.attempt_start(learner=mine, quiz=quiz, resume=False)
    assert exc.value.code == "ATTEMPTS_EXHAUSTED"


def test_attach_to_an_account_without_learning_moves_the_learner(index):
    _course, lessons, _quiz = course_with_lessons(index=index, with_quiz=False)
    session = {}
    learner = services.learner_resolve(user=None, session=session)
    services.lesson_complete(learner=learner, lesson=lessons[0])
    user = UserFactory()
    attached = services.learner_attach(user=user, anonymous_key=session[services.SESSION_KEY])
    assert attached.pk == learner.pk and attached.user == user and attached.anonymous_key is None
    assert services.learner_attach(user=user, anonymous_key=session[services.SESSION_KEY]).pk == learner.pk


def test_payload_never_contains_answers_before_submit(index, bank):
    import json

    quiz = quiz_page(parent=index, question_count=5)
    attempt = services.attempt_start(learner=anon(), quiz=quiz)
    payload = json.dumps(selectors.attempt_payload(attempt=attempt), ensure_ascii=False)
    assert "is_correct" not in payload and "explanation" not in payload and "correct" not in payload
    assert "火警电话是119" not in payload
    with pytest.raises(ValueError):
        selectors.attempt_result(attempt=attempt)


def test_result_shows_correct_options_and_explanations(index, bank):
    quiz = quiz_page(parent=index, question_count=3, min_seconds=0)
    learner = anon()
    attempt = services.attempt_start(learner=learner, quiz=quiz)
    answers = correct_answers(attempt)
    services.attempt_submit(learner=learner, attempt_id=attempt.pk, answers=answers)
    attempt.refresh_from_db()
    result = selectors.attempt_result(attempt=attempt)
    assert result["score"] == 100 and result["passed"] is True
    for question in result["questions"]:
        assert question["correct"] == sorted(answers[str(question["id"])])
        assert question["explanation"] == "火警电话是119。" and question["is_correct"] is True


def test_open_attempt_expired_is_not_resumed(index, bank):
    quiz = quiz_page(parent=index, question_count=2)
    learner = anon()
    first = services.attempt_start(learner=learner, quiz=quiz, now=NOW)
    later = services.attempt_start(learner=learner, quiz=quiz, now=NOW + datetime.timedelta(minutes=16))
    assert later.pk != first.pk and later.attempt_no == 2
    assert timezone.is_aware(later.deadline)


def test_edits_reach_the_next_draw_and_grading_despite_the_quiz_memo(index):
    """courses/caching.py keeps draw plans and question texts in the process: a bank edit through
    the service, an admin-style direct save, a new round and a deactivated question all show at
    the next request."""
    from courses.models import Question, QuestionOption, QuizRound

    QuestionFactory(code="M1")
    QuestionFactory(code="M2")
    quiz = quiz_page(parent=index, question_count=2, min_seconds=0)
    learner = anon()
    first = services.attempt_start(learner=learner, quiz=quiz, now=NOW)
    selectors.attempt_payload(attempt=first)  # the memo now holds both questions
    services.question_save(
        code="M1",
        kind="single",
        text="改过的题面：火警电话？",
        explanation="改过的解析。",
        options=[("119", False), ("110", False), ("120", False), ("122", True)],
    )
    m1 = Question.objects.get(code="M1")
    texts = {q["id"]: q["text"] for q in selectors.attempt_payload(attempt=first)["questions"]}
    assert texts[m1.pk] == "改过的题面：火警电话？"
    # An admin edit saving an option directly (no service): M2's right answer moves to "110".
    m2 = Question.objects.get(code="M2")
    for option in QuestionOption.objects.filter(question=m2):
        option.is_correct = option.text == "110"
        option.save()
    answers = {
        str(m1.pk): [QuestionOption.objects.get(question=m1, text="122").pk],
        str(m2.pk): [QuestionOption.objects.get(question=m2, text="110").pk],
    }
    graded = services.attempt_submit(learner=learner, attempt_id=first.pk, answers=answers, now=NOW)
    assert graded.score == 100
    result = selectors.attempt_result(attempt=graded)
    assert {q["explanation"] for q in result["questions"] if q["id"] == m1.pk} == {"改过的解析。"}
    # A deactivated question leaves the pool: the quiz of two now has too few.
    m2.is_active = False
    m2.save()
    with pytest.raises(PortalError) as small:
        services.attempt_start(learner=anon(), quiz=quiz, now=NOW)
    assert small.value.code == "QUIZ_BANK_TOO_SMALL"
    # A round added in the admin closes the quiz outside its dates at once.
    m2.is_active = True
    m2.save()
    QuizRound.objects.create(quiz=quiz, name="119消防宣传月", starts_at=NOW + datetime.timedelta(days=1))
    standing = QuizRound.objects.get(quiz=quiz, name="常年")
    standing.ends_at = NOW - datetime.timedelta(days=1)
    standing.save()
    with pytest.raises(PortalError) as closed:
        services.attempt_start(learner=anon(), quiz=quiz, now=NOW)
    assert closed.value.code == "QUIZ_CLOSED"

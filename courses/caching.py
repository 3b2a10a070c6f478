"""What the quiz hot path reads again and again, kept in the web process: per quiz its *draw plan*
(district, parent course, rounds, the pool of bank question ids with their option ids) and per
bank question its texts, explanation and correct options.

Why: during a 119-month crowd every start and every hand-in would otherwise read the same rounds,
catalogue ancestry, pool (up to thousands of ids), question texts and correct options again —
each a round trip to the database. With this memo a start costs five queries and a hand-in five,
whatever the size of the bank (bench/courses.py, docs/performance.md).

Correctness: the memo is valid for one *content token*, a random value in the shared cache (Redis
in production). Any change to the bank, topics, rounds or a courses page (published, unpublished,
moved, deleted) replaces the token (``content_changed``: called by the services and by the
receivers in ``courses/signals.py`` for admin edits), and every process drops its memo at its next
request. When the shared cache is unreachable the memo is not used at all (reads go to the
database), and no memo lives longer than ``MEMO_SECONDS`` in any case, so an edit made while the
cache was down is seen within that time.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.core.signals import request_finished, request_started

TOKEN_KEY = "courses:content-token"  # noqa: S105 - a cache key, not a secret
MEMO_SECONDS = 60


@dataclass(frozen=True)
class QuestionDetail:
    kind: str
    text: str
    explanation: str
    options: dict[int, str]  # option id → text
    correct: frozenset[int]


@dataclass(frozen=True)
class RoundInfo:
    pk: int
    name: str
    starts_at: object  # aware datetime or None
    ends_at: object

    def is_open(self, now) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (
            self.ends_at is None or now < self.ends_at
        )


@dataclass(frozen=True)
class DrawPlan:
    district_id: int | None
    course_id: int | None
    rounds: tuple[RoundInfo, ...]
    pool: tuple[int, ...]  # active bank questions this quiz draws from, by id


_memo: dict = {"token": None, "at": 0.0, "plans": {}, "questions": {}, "home_urls": {}}
# Inside a request the token is read once (the first ``_current()``), not once per call: a quiz
# start used to read it five times, a Redis round trip each. Outside requests (Celery, shell)
# every call reads it. Per thread (a threaded server runs several requests at once).
_request = threading.local()


def _request_started(**kwargs) -> None:
    _request.open, _request.checked = True, False


def _request_finished(**kwargs) -> None:
    _request.open, _request.checked = False, False


request_started.connect(_request_started, dispatch_uid="courses.caching.request_started")
request_finished.connect(_request_finished, dispatch_uid="courses.caching.request_finished")


def _new_token() -> None:
    cache.set(TOKEN_KEY, uuid.uuid4().hex, None)
    _request.checked = False  # this process reads the new token at its next use


def content_changed() -> None:
    """The bank, a topic, a round or a courses page changed: every process rebuilds its memo.

    Now (this process, and tests inside one transaction) and again once the transaction commits
    (so no other process keeps a memo it rebuilt from the rows before the commit)."""
    from django.db import transaction

    _new_token()
    transaction.on_commit(_new_token)


def _current() -> dict:
    """This process's memo for the current token; a throwaway one when the cache is unreachable."""
    global _memo
    if getattr(_request, "checked", False) and _memo["token"] is not None:
        return _memo  # the token was read earlier in this request
    token = cache.get(TOKEN_KEY)
    if token is None:
        cache.add(TOKEN_KEY, uuid.uuid4().hex, None)
        token = cache.get(TOKEN_KEY)
    now = time.monotonic()
    if token is None:
        return {"token": None, "at": now, "plans": {}, "questions": {}, "home_urls": {}}
    if token != _memo["token"] or now - _memo["at"] > MEMO_SECONDS:
        _memo = {"token": token, "at": now, "plans": {}, "questions": {}, "home_urls": {}}
    _request.checked = getattr(_request, "open", False)
    return _memo


def draw_plan(*, quiz) -> DrawPlan:
    """The quiz's plan (see the module docstring); built with seven queries on a miss (the pool's
    question details included), none after."""
    memo = _current()
    plan = memo["plans"].get(quiz.pk)
    if plan is None:
        plan = _build_plan(quiz)
        memo["plans"][quiz.pk] = plan
        # Load the whole pool's texts and answers now (two queries, once), so no later start or
        # hand-in of this quiz pays a query for a question drawn for the first time.
        question_details(plan.pool)
    return plan


def _build_plan(quiz) -> DrawPlan:
    from django.db.models import Q

    from .models import CourseIndexPage, CoursePage, Question, QuizRound, Topic

    district_id = CourseIndexPage.objects.ancestor_of(quiz).values_list("district_id", flat=True).first()
    course_id = CoursePage.objects.parent_of(quiz).values_list("pk", flat=True).first()
    rounds = tuple(
        RoundInfo(pk=r.pk, name=r.name, starts_at=r.starts_at, ends_at=r.ends_at)
        for r in QuizRound.objects.filter(quiz=quiz).order_by("starts_at", "pk")
    )
    pool = Question.objects.filter(is_active=True).filter(
        Q(district__isnull=True) | Q(district_id=district_id)
    )
    topic_ids = list(Topic.objects.filter(quizzes=quiz).values_list("pk", flat=True))  # published topics
    if topic_ids:
        pool = pool.filter(topics__in=topic_ids)
    ids = sorted(set(pool.values_list("pk", flat=True)))
    return DrawPlan(district_id=district_id, course_id=course_id, rounds=rounds, pool=tuple(ids))


def question_details(question_ids) -> dict[int, QuestionDetail]:
    """Texts, explanation and correct options of these bank questions: two queries for the ones
    this process has not seen since the last change, none for the rest."""
    from .models import Question, QuestionOption

    memo = _current()["questions"]
    missing = [q for q in question_ids if q not in memo]
    if missing:
        rows = {
            r["pk"]: r
            for r in Question.objects.filter(pk__in=missing).values("pk", "kind", "text", "explanation")
        }
        options: dict[int, dict[int, str]] = {q: {} for q in rows}
        correct: dict[int, set[int]] = {q: set() for q in rows}
        for question_id, option_id, text, is_correct in (
            QuestionOption.objects.filter(question_id__in=missing)
            .order_by("sort_order", "pk")
            .values_list("question_id", "pk", "text", "is_correct")
        ):
            options[question_id][option_id] = text
            if is_correct:
                correct[question_id].add(option_id)
        for question_id, row in rows.items():
            memo[question_id] = QuestionDetail(
                kind=row["kind"],
                text=row["text"],
                explanation=row["explanation"],
                options=options[question_id],
                correct=frozenset(correct[question_id]),
            )
    return {q: memo[q] for q in question_ids if q in memo}


def home_url(*, host: str, build) -> str:
    """The course catalogue's address for the main menu of site ``host`` (``build()`` on a miss):
    on every page with the menu, two queries before. A courses page published, unpublished, moved
    or deleted replaces the token; a change of the Wagtail sites themselves shows within
    ``MEMO_SECONDS``."""
    memo = _current()["home_urls"]
    if host not in memo:
        memo[host] = build()
    return memo[host]

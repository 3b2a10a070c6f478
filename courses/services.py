"""Courses services: every write of the courses app.

Keyword-only, typed, ``<entity>_<verb>``. Errors are ``PortalError`` with the codes listed in
/work/handoff/courses-interface.md (and docs/architecture.md).
"""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import ratelimit
from portal.errors import NotFound, PortalError
from portal.models import Area, CertificateKind, User
from portal.xlsx import unneutralise, workbook_bytes

from . import caching
from .models import (
    Attempt,
    AttemptAnswer,
    AttemptQuota,
    CourseCompletion,
    CourseIndexPage,
    CoursePage,
    Learner,
    LessonPage,
    LessonProgress,
    Question,
    QuestionOption,
    QuizPage,
    QuizRound,
    Topic,
)

SESSION_KEY = "courses_learner_key"
# Seconds after the deadline a submission is still accepted (network, slow phones).
SUBMIT_GRACE_SECONDS = getattr(settings, "COURSES_SUBMIT_GRACE_SECONDS", 60)
# Rate limits: at most this many starts/submits per learner per minute.
RATE_LIMIT_PER_MINUTE = getattr(settings, "COURSES_RATE_LIMIT_PER_MINUTE", 20)


RateLimited = ratelimit.RateLimited  # 429 RATE_LIMITED, the kernel's


# ------------------------------------------------------------------------------
# Learners
# ------------------------------------------------------------------------------
def learner_resolve(
    *, user: User | None, session, create: bool = True, district_id: int | None = None
) -> Learner | None:
    """The learner behind a request: the account's learner when logged in, otherwise the
    anonymous learner whose key the session holds (a new key is put in the session when
    ``create``). ``session`` is any mutable mapping (``request.session``). A new anonymous learner
    is placed in ``district_id`` (the district of the page that made it) from the start."""
    if user is not None and user.is_authenticated:
        learner = Learner.objects.filter(user=user).first()
        if learner is None and create:
            learner, _created = Learner.objects.get_or_create(user=user, defaults={"area": _user_area(user)})
        return learner
    key = session.get(SESSION_KEY) if session is not None else None
    if key:
        learner = Learner.objects.filter(anonymous_key=key).first()
        if learner is not None or not create:
            return learner
    if not create:
        return None
    key = secrets.token_urlsafe(24)
    learner = Learner.objects.create(anonymous_key=key, area_id=district_id)
    if session is not None:
        session[SESSION_KEY] = key
    return learner


def learner_by_key(*, anonymous_key: str) -> Learner | None:
    """The anonymous learner holding ``anonymous_key`` (the API's ``X-Learner-Key`` header)."""
    if not anonymous_key:
        return None
    return Learner.objects.filter(anonymous_key=anonymous_key, user__isnull=True).first()


def _user_area(user: User) -> Area | None:
    person = getattr(user, "person", None) if user.pk else None
    try:
        return person.area if person is not None else None
    except Exception:  # noqa: BLE001 - a missing related row
        return None


def learner_set_area(*, learner: Learner, area: Area) -> Learner:
    """Where the learner lives (a street, community or district): counted there in statistics."""
    learner.area = area
    learner.save(update_fields=["area"])
    return learner


def _learner_place(*, learner: Learner, district_id: int | None) -> None:
    """A learner with no known area is counted in the district of the first page they used."""
    if learner.area_id is None and district_id is not None:
        Learner.objects.filter(pk=learner.pk, area__isnull=True).update(area_id=district_id)
        learner.area_id = district_id


@transaction.atomic
def learner_attach(*, user: User, anonymous_key: str | None) -> Learner | None:
    """On log-in: the anonymous learner's progress, attempts and completions become the
    account's. Attempts made before logging in still count against the round's cap (the
    account's counter becomes the sum; if that passes the cap no further attempt is allowed).
    Idempotent: a key already attached, or unknown, changes nothing."""
    mine = Learner.objects.filter(user=user).first()
    if not anonymous_key:
        return mine
    anon = Learner.objects.select_for_update().filter(anonymous_key=anonymous_key, user__isnull=True).first()
    if anon is None:
        return mine
    if mine is None:
        anon.user, anon.anonymous_key = user, None
        anon.area = _user_area(user) or anon.area
        anon.save(update_fields=["user", "anonymous_key", "area"])
        mine = anon
    else:
        done = set(LessonProgress.objects.filter(learner=mine).values_list("lesson_id", flat=True))
        LessonProgress.objects.filter(learner=anon).exclude(lesson_id__in=done).update(learner=mine)
        for quota in AttemptQuota.objects.filter(learner=anon):
            own = (
                AttemptQuota.objects.select_for_update()
                .filter(learner=mine, quiz_id=quota.quiz_id, round_id=quota.round_id)
                .first()
            )
            if own is None:
                AttemptQuota.objects.filter(pk=quota.pk).update(learner=mine)
                Attempt.objects.filter(learner=anon, quiz_id=quota.quiz_id, round_id=quota.round_id).update(
                    learner=mine
                )
                continue
            moved = Attempt.objects.filter(learner=anon, quiz_id=quota.quiz_id, round_id=quota.round_id)
            for attempt in moved.order_by("attempt_no"):
                attempt.learner, attempt.attempt_no = mine, own.used + attempt.attempt_no
                attempt.save(update_fields=["learner", "attempt_no"])
            used = own.used + quota.used
            AttemptQuota.objects.filter(pk=own.pk).update(used=used, allowed=max(own.allowed, used))
        courses = set(CourseCompletion.objects.filter(learner=mine).values_list("course_id", flat=True))
        CourseCompletion.objects.filter(learner=anon).exclude(course_id__in=courses).update(learner=mine)
        if mine.area_id is None and anon.area_id is not None:
            mine.area_id = anon.area_id
            mine.save(update_fields=["area"])
        anon.delete()
    for course_id in set(LessonProgress.objects.filter(learner=mine).values_list("course_id", flat=True)):
        course = CoursePage.objects.filter(pk=course_id).first()
        if course is not None:
            course_completion_check(learner=mine, course=course)
    return mine


# ------------------------------------------------------------------------------
# Pages → district
# ------------------------------------------------------------------------------
def page_district_id(*, page) -> int | None:
    """The district of a course, lesson or quiz page: that of its course catalogue."""
    if isinstance(page, CourseIndexPage):
        return page.district_id
    return CourseIndexPage.objects.ancestor_of(page).values_list("district_id", flat=True).first()


# ------------------------------------------------------------------------------
# Lessons and courses
# ------------------------------------------------------------------------------
@transaction.atomic
def lesson_complete(
    *, learner: Learner, lesson: LessonPage, now: datetime.datetime | None = None
) -> LessonProgress:
    """Mark a lesson read (idempotent: the first completion time is kept). Completing a course's
    last lesson after passing its quiz completes the course."""
    course = CoursePage.objects.parent_of(lesson).first()
    if course is None or not lesson.live:
        raise NotFound(_("This lesson is not available."), code="LESSON_NOT_FOUND")
    progress, created = LessonProgress.objects.get_or_create(
        learner=learner, lesson=lesson, defaults={"course": course, "completed_at": now or timezone.now()}
    )
    if created:
        _learner_place(learner=learner, district_id=page_district_id(page=course))
        course_completion_check(learner=learner, course=course)
    return progress


def course_completion_check(*, learner: Learner, course: CoursePage) -> CourseCompletion | None:
    """Record the completion once every live lesson is done and the course's quiz (if any) was
    passed; for a logged-in learner enqueue the certificate job."""
    lesson_ids = set(LessonPage.objects.child_of(course).live().values_list("pk", flat=True))
    done = set(
        LessonProgress.objects.filter(learner=learner, lesson_id__in=lesson_ids).values_list(
            "lesson_id", flat=True
        )
    )
    if lesson_ids - done:
        return None
    quiz_ids = list(QuizPage.objects.child_of(course).live().values_list("pk", flat=True))
    passing = None
    if quiz_ids:
        passing = (
            Attempt.objects.filter(learner=learner, quiz_id__in=quiz_ids, passed=True)
            .order_by("submitted_at")
            .first()
        )
        if passing is None:
            return None
    completion, _created = CourseCompletion.objects.get_or_create(
        learner=learner, course=course, defaults={"attempt": passing, "completed_at": timezone.now()}
    )
    if learner.user_id and course.certificate_enabled and completion.certificate_id is None:
        from portal.services import outbox_enqueue

        outbox_enqueue(
            task_name="courses.tasks.course_certificate_issue_task", kwargs={"completion_id": completion.pk}
        )
    return completion


def course_certificate_issue(*, completion_id: int):
    """Issue the course certificate for a logged-in learner's completion through the kernel
    registry (one per completion, numbered XX-KC-YYYY-NNNNNN). Returns None while the account
    has no real-name identity (``Person``): call ``course_certificates_issue_pending`` once it has."""
    from portal.models import Person
    from portal.services import certificate_issue

    completion = (
        CourseCompletion.objects.select_related("learner", "course", "attempt")
        .filter(pk=completion_id)
        .first()
    )
    if completion is None or completion.learner.user_id is None:
        return None
    if completion.certificate_id:
        return completion.certificate
    holder = Person.objects.filter(user_id=completion.learner.user_id).first()
    if holder is None:
        return None
    district_id = page_district_id(page=completion.course)
    district = Area.objects.get(pk=district_id)
    lines = [
        [_("Course"), completion.course.title],
        [_("Completed on"), timezone.localtime(completion.completed_at).date().isoformat()],
    ]
    if completion.attempt is not None and completion.attempt.score is not None:
        lines.append([_("Quiz score"), str(completion.attempt.score)])
    certificate = certificate_issue(
        kind=CertificateKind.COURSE,
        district=district,
        holder=holder,
        title=_("Fire safety course certificate"),
        issuer_name=_("%(district)s fire safety education") % {"district": district.name},
        details=[{"heading": _("Course"), "lines": lines}],
        source=completion,
    )
    CourseCompletion.objects.filter(pk=completion.pk).update(certificate=certificate)
    return certificate


def course_certificates_issue_pending(*, user: User) -> int:
    """Enqueue certificates for the user's completions still without one (e.g. right after the
    user registered a real-name identity). Returns how many were enqueued."""
    from portal.services import outbox_enqueue

    pending = CourseCompletion.objects.filter(
        learner__user=user, certificate__isnull=True, course__certificate_enabled=True
    ).values_list("pk", flat=True)
    count = 0
    for completion_id in pending:
        outbox_enqueue(
            task_name="courses.tasks.course_certificate_issue_task", kwargs={"completion_id": completion_id}
        )
        count += 1
    return count


# ------------------------------------------------------------------------------
# Quizzes
# ------------------------------------------------------------------------------
def _rate_limit(*, learner: Learner, action: str) -> None:
    """At most RATE_LIMIT_PER_MINUTE starts (or submits) per learner per minute (the views and the
    API also limit starts per IP: ``portal.ratelimit`` scope ``quiz_start``)."""
    ratelimit.hit(scope=f"courses.{action}", key=str(learner.pk), limit=RATE_LIMIT_PER_MINUTE, period=60)


def quiz_round_current(*, quiz: QuizPage, now: datetime.datetime | None = None) -> QuizRound:
    """The round open now. A quiz without any round is always open: its standing round
    (``常年``, no dates) is created on first use. Raises ``QUIZ_CLOSED`` when rounds exist and
    none is open."""
    now = now or timezone.now()
    rounds = caching.draw_plan(quiz=quiz).rounds
    if not rounds:
        round_, _created = QuizRound.objects.get_or_create(quiz=quiz, name="常年")
        caching.content_changed()
        return round_
    earliest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    for info in sorted(rounds, key=lambda r: r.starts_at or earliest):
        if info.is_open(now):
            return QuizRound(
                pk=info.pk, quiz_id=quiz.pk, name=info.name, starts_at=info.starts_at, ends_at=info.ends_at
            )
    raise PortalError(_("This quiz has no round open at the moment."), code="QUIZ_CLOSED")


def _quota_take(*, learner_id: int, quiz_id: int, round_id: int, limit: int) -> int | None:
    """Take one attempt from the (learner, quiz, round) counter in ONE statement: insert it at 1,
    or add 1 while ``used < limit`` (the conflicting row is locked by the upsert, so racing starts
    queue up); returns the attempt number, or None when the round's attempts are used up. The
    check constraint ``used <= allowed`` backs it. Raw SQL because the ORM has no conditional
    upsert; the statement is the same on PostgreSQL and SQLite (≥ 3.35) but for GREATEST/MAX."""
    from django.db import connection

    table = connection.ops.quote_name(AttemptQuota._meta.db_table)
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    # Only the quoted table name and a function name are interpolated; the values are parameters.
    sql = " ".join(
        [
            f"INSERT INTO {table} (learner_id, quiz_id, round_id, used, allowed) VALUES (%s, %s, %s, 1, %s)",  # noqa: S608
            "ON CONFLICT (learner_id, quiz_id, round_id) DO UPDATE",
            f"SET used = {table}.used + 1, allowed = {greatest}({table}.allowed, excluded.allowed)",
            f"WHERE {table}.used < excluded.allowed RETURNING used",
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [learner_id, quiz_id, round_id, limit])
        row = cursor.fetchone()
    return row[0] if row else None


def attempt_start(
    *,
    learner: Learner,
    quiz: QuizPage,
    now: datetime.datetime | None = None,
    resume: bool = True,
    rng: random.Random | None = None,
) -> Attempt:
    """Start an attempt: draw ``question_count`` questions at random from the quiz's pool and
    shuffle each question's options; both stored on the attempt, server-side.

    With ``resume`` an attempt still open (not submitted, before its deadline) is returned
    instead, so a double click does not spend two attempts. The cap per (learner, quiz, round)
    is enforced in the database: a conditional UPDATE on the ``AttemptQuota`` row (row-locked on
    PostgreSQL) plus a check constraint and a unique attempt number.

    Errors: QUIZ_NOT_AVAILABLE, QUIZ_CLOSED, QUIZ_BANK_TOO_SMALL, ATTEMPTS_EXHAUSTED, RATE_LIMITED.
    """
    now = now or timezone.now()
    rng = rng or random.SystemRandom()
    if not quiz.live:
        raise NotFound(_("This quiz is not available."), code="QUIZ_NOT_AVAILABLE")
    plan = caching.draw_plan(quiz=quiz)
    round_ = quiz_round_current(quiz=quiz, now=now)
    if resume:
        open_attempt = (
            Attempt.objects.filter(
                learner=learner, quiz=quiz, round=round_, submitted_at__isnull=True, deadline__gt=now
            )
            .order_by("-started_at")
            .first()
        )
        if open_attempt is not None:
            return open_attempt
    _rate_limit(learner=learner, action="start")
    district_id = plan.district_id
    if len(plan.pool) < quiz.question_count:
        raise PortalError(
            _("The question bank has too few questions for this quiz."), code="QUIZ_BANK_TOO_SMALL"
        )
    picked = rng.sample(plan.pool, quiz.question_count)
    details = caching.question_details(picked)
    drawn = []
    for question_id in picked:
        order = list(details[question_id].options) if question_id in details else []
        rng.shuffle(order)
        drawn.append({"q": question_id, "o": order})
    limit = quiz.attempts_per_round
    with transaction.atomic():
        number = _quota_take(learner_id=learner.pk, quiz_id=quiz.pk, round_id=round_.pk, limit=limit)
        if number is None:
            raise PortalError(
                _("You have used all %(n)s attempts of this round.") % {"n": limit}, code="ATTEMPTS_EXHAUSTED"
            )
        attempt = Attempt.objects.create(
            learner=learner,
            quiz=quiz,
            round=round_,
            attempt_no=number,
            district_id=district_id,
            drawn=drawn,
            started_at=now,
            deadline=now + datetime.timedelta(minutes=quiz.time_limit_minutes),
        )
        _learner_place(learner=learner, district_id=district_id)
    return attempt


def _normalise_answers(*, attempt: Attempt, answers: dict) -> dict[int, list[int]]:
    drawn = {item["q"]: item["o"] for item in attempt.drawn}
    chosen: dict[int, list[int]] = {}
    if not isinstance(answers, dict):
        raise PortalError(_("The answers could not be read."), code="ANSWERS_INVALID")
    for raw_question, raw_options in answers.items():
        try:
            question_id = int(raw_question)
            values = raw_options if isinstance(raw_options, list | tuple) else [raw_options]
            option_ids = sorted({int(v) for v in values})
        except (TypeError, ValueError) as exc:
            raise PortalError(_("The answers could not be read."), code="ANSWERS_INVALID") from exc
        if question_id not in drawn:
            raise PortalError(
                _("An answer was given for a question not in this attempt."), code="ANSWER_UNKNOWN_QUESTION"
            )
        if set(option_ids) - set(drawn[question_id]):
            raise PortalError(
                _("An answer chose an option that does not belong to its question."),
                code="ANSWER_UNKNOWN_OPTION",
            )
        chosen[question_id] = option_ids
    return chosen


def attempt_submit(
    *, learner: Learner, attempt_id: int, answers: dict, now: datetime.datetime | None = None
) -> Attempt:
    """Grade an attempt on the server. A question is right when exactly its correct options are
    chosen; score = round(100 × right / drawn). Unanswered questions are wrong.

    A second submit of a submitted attempt changes nothing and returns it as graded the first
    time (double clicks, retries). Submissions later than deadline + grace are refused
    (ATTEMPT_LATE); faster than the quiz's ``min_seconds`` are flagged ``too_fast``.

    Errors: ATTEMPT_NOT_FOUND (also another learner's attempt), ATTEMPT_LATE, ANSWERS_INVALID,
    ANSWER_UNKNOWN_QUESTION, ANSWER_UNKNOWN_OPTION, RATE_LIMITED.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            attempt = (
                Attempt.objects.select_for_update(of=("self",))
                .select_related("quiz")
                .filter(pk=attempt_id, learner=learner)
                .first()
            )
            if attempt is None:
                raise NotFound(_("This attempt was not found."), code="ATTEMPT_NOT_FOUND")
            if attempt.submitted_at is not None:
                return attempt
            _rate_limit(learner=learner, action="submit")
            if now > attempt.deadline + datetime.timedelta(seconds=SUBMIT_GRACE_SECONDS):
                raise PortalError(_("Time was up before this attempt was handed in."), code="ATTEMPT_LATE")
            chosen = _normalise_answers(attempt=attempt, answers=answers)
            question_ids = [item["q"] for item in attempt.drawn]
            details = caching.question_details(question_ids)
            rows = []
            right = 0
            for question_id in question_ids:
                if question_id not in details:  # deleted from the bank since: counts as wrong
                    continue
                selected = chosen.get(question_id, [])
                ok = bool(selected) and set(selected) == details[question_id].correct
                right += ok
                rows.append(
                    AttemptAnswer(attempt=attempt, question_id=question_id, selected=selected, is_correct=ok)
                )
            AttemptAnswer.objects.bulk_create(rows)
            quiz = attempt.quiz
            attempt.correct_count = right
            attempt.score = round(100 * right / len(question_ids)) if question_ids else 0
            attempt.passed = attempt.score >= quiz.pass_mark
            attempt.submitted_at = now
            attempt.too_fast = (now - attempt.started_at).total_seconds() < quiz.min_seconds
            attempt.save(update_fields=["correct_count", "score", "passed", "submitted_at", "too_fast"])
            if attempt.passed:
                course_id = caching.draw_plan(quiz=quiz).course_id
                course = CoursePage.objects.filter(pk=course_id).first() if course_id else None
                if course is not None:
                    course_completion_check(learner=learner, course=course)
    except IntegrityError:
        # A concurrent submit of the same attempt won (SQLite has no row lock): answer its result.
        attempt = Attempt.objects.select_related("quiz").get(pk=attempt_id)
        if attempt.submitted_at is None:
            raise
    return attempt


# ------------------------------------------------------------------------------
# Question bank
# ------------------------------------------------------------------------------
# Column headers of the xlsx file (a data format: stable, the same in export and import).
XLSX_HEADERS = [
    "编号",
    "题型",
    "题目",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "选项E",
    "选项F",
    "正确答案",
    "解析",
    "标签",
    "难度",
    "适用区",
    "启用",
]
OPTION_LETTERS = "ABCDEF"
KIND_LABELS = {Question.Kind.SINGLE: "单选", Question.Kind.MULTIPLE: "多选", Question.Kind.TRUE_FALSE: "判断"}
_KIND_BY_LABEL = {**{v: k for k, v in KIND_LABELS.items()}, **{k.value: k for k in Question.Kind}}


def question_options_validate(*, kind: str, options: list[tuple[str, bool]]) -> None:
    """Single choice: 2–6 options, exactly one correct; true/false: exactly two options, one
    correct; multiple choice: 2–6 options, at least two correct. Raises PortalError
    QUESTION_OPTIONS_INVALID."""
    texts = [text.strip() for text, _ok in options]
    correct = sum(1 for _text, ok in options if ok)
    if any(not text for text in texts) or len(set(texts)) != len(texts):
        raise PortalError(_("Every option needs its own text."), code="QUESTION_OPTIONS_INVALID")
    if kind == Question.Kind.TRUE_FALSE:
        if len(options) != 2 or correct != 1:
            raise PortalError(
                _("A true/false question has two options and one is correct."),
                code="QUESTION_OPTIONS_INVALID",
            )
    elif kind == Question.Kind.SINGLE:
        if not 2 <= len(options) <= 6 or correct != 1:
            raise PortalError(
                _("A single-choice question has 2 to 6 options and exactly one correct."),
                code="QUESTION_OPTIONS_INVALID",
            )
    elif kind == Question.Kind.MULTIPLE:
        if not 2 <= len(options) <= 6 or correct < 2:
            raise PortalError(
                _("A multiple-choice question has 2 to 6 options and at least two correct."),
                code="QUESTION_OPTIONS_INVALID",
            )
    else:
        raise PortalError(_("Unknown question type."), code="QUESTION_KIND_INVALID")


@transaction.atomic
def question_save(
    *,
    code: str,
    kind: str,
    text: str,
    explanation: str,
    options: list[tuple[str, bool]],
    topics: list[Topic] | None = None,
    difficulty: int = 1,
    district: Area | None = None,
    is_active: bool = True,
) -> tuple[Question, bool]:
    """Create or update the bank question with ``code``; returns (question, created). Options
    are updated in place by position (ids kept, so open attempts stay valid), extra ones added or
    removed."""
    question_options_validate(kind=kind, options=options)
    if not text.strip() or not explanation.strip():
        raise PortalError(_("A question needs its text and an explanation."), code="QUESTION_INCOMPLETE")
    if difficulty not in (1, 2, 3):
        raise PortalError(_("Difficulty is 1, 2 or 3."), code="QUESTION_DIFFICULTY_INVALID")
    question = Question.objects.filter(code=code).first()
    created = question is None
    if created:
        question = Question(code=code)
    question.kind, question.text, question.explanation = kind, text.strip(), explanation.strip()
    question.difficulty, question.district, question.is_active = difficulty, district, is_active
    question.topics.set(topics or [])  # a parental M2M: written by the save below
    question.save()
    existing = list(QuestionOption.objects.filter(question=question).order_by("sort_order", "pk"))
    for position, (option_text, ok) in enumerate(options):
        if position < len(existing):
            option = existing[position]
            if (option.text, option.is_correct, option.sort_order) != (option_text.strip(), ok, position):
                option.text, option.is_correct, option.sort_order = option_text.strip(), ok, position
                option.save()
        else:
            QuestionOption.objects.create(
                question=question, text=option_text.strip(), is_correct=ok, sort_order=position
            )
    for option in existing[len(options) :]:
        if not AttemptAnswer.objects.filter(question=question).exists():
            option.delete()
    caching.content_changed()
    return question, created


@dataclass
class ImportProblem:
    """One problem of one row: the spreadsheet column it is in (a header of ``XLSX_HEADERS``;
    empty for the whole row or file) and what is wrong."""

    column: str
    message: str


@dataclass
class ImportRowError:
    """A bad row (spreadsheet row number; 0 = the file itself) and each of its problems."""

    row: int
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def message(self) -> str:
        return " ".join(str(problem.message) for problem in self.problems)


@dataclass
class ImportReport:
    """Outcome of an import: nothing was saved when ``errors`` is not empty."""

    created: int = 0
    updated: int = 0
    errors: list[ImportRowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(value) -> str:
    value = unneutralise(value)  # our export prefixed formula-like text with an apostrophe
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _split_tags(value: str) -> list[str]:
    for sep in ("，", "、", ";", "；"):
        value = value.replace(sep, ",")
    return [part.strip() for part in value.split(",") if part.strip()]


# The database's column widths: a longer cell is a row error, not a failed insert.
CODE_MAX = Question._meta.get_field("code").max_length
OPTION_MAX = QuestionOption._meta.get_field("text").max_length
TOPIC_MAX = Topic._meta.get_field("name").max_length


def questions_import_xlsx(*, file, actor: User | None = None) -> ImportReport:
    """Import the bank from an xlsx file laid out as ``XLSX_HEADERS`` (what the export writes).

    All or nothing: every row is checked first; if any row is bad nothing is saved and the
    report names each bad row (spreadsheet row numbers) and why. Rows are matched on 编号:
    an existing code updates that question. Unknown topics are created; the district is an
    Area code (empty = all districts)."""
    from openpyxl import load_workbook

    report = ImportReport()
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload
        report.errors.append(
            ImportRowError(row=0, problems=[ImportProblem("", _("The file is not an xlsx workbook."))])
        )
        return report
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows or [_cell(v) for v in rows[0][: len(XLSX_HEADERS)]] != XLSX_HEADERS:
        report.errors.append(
            ImportRowError(
                row=1,
                problems=[
                    ImportProblem(
                        "",
                        _("The first row must be the column headers: %(headers)s")
                        % {"headers": "、".join(XLSX_HEADERS)},
                    )
                ],
            )
        )
        return report
    districts = {a.code.lower(): a for a in Area.objects.filter(level=Area.Level.DISTRICT)}
    districts.update({a.name: a for a in districts.values()})
    parsed = []
    seen_codes: dict[str, int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        values = [_cell(v) for v in list(raw) + [None] * (len(XLSX_HEADERS) - len(raw))]
        if not any(values):
            continue
        record = dict(zip(XLSX_HEADERS, values, strict=False))
        problems: list[ImportProblem] = []
        code = record["编号"]
        if not code:
            problems.append(ImportProblem("编号", _("编号 is empty.")))
        elif len(code) > CODE_MAX:
            problems.append(
                ImportProblem("编号", _("编号 is at most %(max)s characters.") % {"max": CODE_MAX})
            )
        elif code in seen_codes:
            problems.append(
                ImportProblem(
                    "编号", _("编号 %(code)s repeats row %(row)s.") % {"code": code, "row": seen_codes[code]}
                )
            )
        else:
            seen_codes[code] = number
        kind = _KIND_BY_LABEL.get(record["题型"])
        if kind is None:
            problems.append(ImportProblem("题型", _("题型 must be 单选, 多选 or 判断.")))
        letters = [c for c in record["正确答案"].upper().replace(",", "").replace("，", "").replace(" ", "")]
        option_texts = [(letter, record[f"选项{letter}"]) for letter in OPTION_LETTERS]
        last = max((i for i, (_l, text) in enumerate(option_texts) if text), default=-1)
        options = [(text, letter in letters) for letter, text in option_texts[: last + 1]]
        if any(letter not in OPTION_LETTERS[: last + 1] for letter in letters) or not letters:
            problems.append(
                ImportProblem("正确答案", _("正确答案 must name options that exist, e.g. A or AC."))
            )
        elif kind is not None:
            try:
                question_options_validate(kind=kind, options=options)
            except PortalError as exc:
                texts = [text for text, _ok in options]
                blank_or_repeated = any(not t for t in texts) or len(set(texts)) != len(texts)
                column = f"选项A–{OPTION_LETTERS[last]}" if blank_or_repeated else "正确答案"
                problems.append(ImportProblem(column, exc.message))
        for letter, text in option_texts:
            if len(text) > OPTION_MAX:
                problems.append(
                    ImportProblem(
                        f"选项{letter}",
                        _("选项%(letter)s is at most %(max)s characters.")
                        % {"letter": letter, "max": OPTION_MAX},
                    )
                )
        if any(len(tag) > TOPIC_MAX for tag in _split_tags(record["标签"])):
            problems.append(
                ImportProblem(
                    "标签", _("Each tag in 标签 is at most %(max)s characters.") % {"max": TOPIC_MAX}
                )
            )
        if not record["题目"]:
            problems.append(ImportProblem("题目", _("题目 is empty.")))
        if not record["解析"]:
            problems.append(ImportProblem("解析", _("解析 is empty.")))
        difficulty = record["难度"] or "1"
        if difficulty not in ("1", "2", "3"):
            problems.append(ImportProblem("难度", _("难度 must be 1, 2 or 3.")))
        district = None
        if record["适用区"]:
            district = districts.get(record["适用区"].lower()) or districts.get(record["适用区"])
            if district is None:
                problems.append(
                    ImportProblem(
                        "适用区", _("适用区 %(value)s is not a district.") % {"value": record["适用区"]}
                    )
                )
        active = record["启用"] not in ("否", "0", "false", "False", "N", "n")
        if problems:
            report.errors.append(ImportRowError(row=number, problems=problems))
            continue
        parsed.append(
            {
                "code": code,
                "kind": kind,
                "text": record["题目"],
                "explanation": record["解析"],
                "options": options,
                "tags": _split_tags(record["标签"]),
                "difficulty": int(difficulty),
                "district": district,
                "is_active": active,
            }
        )
    if report.errors:
        return report
    with transaction.atomic():
        topics = {t.name: t for t in Topic.objects.all()}
        for item in parsed:
            tags = []
            for name in item.pop("tags"):
                if name not in topics:
                    topics[name] = Topic.objects.create(
                        name=name, slug=f"topic-{secrets.token_hex(4)}", sort_order=100
                    )
                tags.append(topics[name])
            _question, created = question_save(topics=tags, **item)
            if created:
                report.created += 1
            else:
                report.updated += 1
        if actor is not None:
            from portal.services import audit_log

            audit_log(
                actor=actor,
                action="courses.questions.imported",
                data={"created": report.created, "updated": report.updated},
            )
    return report


def import_error_report_xlsx(*, errors: list[ImportRowError]) -> bytes:
    """The row-by-row report of a refused import as an xlsx file: one line per problem with the
    spreadsheet row, the column and what is wrong (headers and messages in the active language,
    Chinese by default), so an editor can fix the file beside it."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Import problems")[:31]
    sheet.append([_("Row"), _("Column"), _("Problem")])
    for error in errors:
        for problem in error.problems:
            sheet.append([error.row or "", problem.column, str(problem.message)])
    sheet.column_dimensions["C"].width = 80
    return workbook_bytes(workbook)


def questions_export_xlsx(*, queryset=None) -> bytes:
    """The bank (or ``queryset`` of it) as an xlsx file that ``questions_import_xlsx`` reads back."""
    from openpyxl import Workbook

    queryset = (queryset if queryset is not None else Question.objects.all()).select_related("district")
    queryset = queryset.prefetch_related("options", "topics").order_by("code")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append(XLSX_HEADERS)
    for question in queryset:
        options = sorted(question.options.all(), key=lambda o: (o.sort_order or 0, o.pk))[
            : len(OPTION_LETTERS)
        ]
        texts = [o.text for o in options] + [""] * (len(OPTION_LETTERS) - len(options))
        correct = "".join(OPTION_LETTERS[i] for i, o in enumerate(options) if o.is_correct)
        sheet.append(
            [
                question.code,
                KIND_LABELS[question.kind],
                question.text,
                *texts,
                correct,
                question.explanation,
                "、".join(
                    t.name for t in sorted(question.topics.all(), key=lambda t: (t.sort_order, t.name))
                ),
                question.difficulty,
                question.district.code if question.district else "",
                "是" if question.is_active else "否",
            ]
        )
    return workbook_bytes(workbook)

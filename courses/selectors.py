"""Courses selectors: reads with no side effects. Statistics are aggregated in the database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Area, User
from portal.selectors import areas_visible_to, streets_of
from portal.xlsx import workbook_bytes

from . import caching
from .models import (
    Attempt,
    AttemptAnswer,
    CourseCompletion,
    CourseIndexPage,
    CoursePage,
    Learner,
    LessonPage,
    LessonProgress,
    QuizPage,
    QuizRound,
)


# ------------------------------------------------------------------------------
# Catalogue
# ------------------------------------------------------------------------------
def course_index_for(*, district: Area) -> CourseIndexPage | None:
    return CourseIndexPage.objects.live().filter(district=district).first()


def courses_list(
    *, district: Area | None = None, topic: str | None = None, audience: str | None = None
) -> QuerySet:
    """Live courses (of one district when given), filterable by topic slug and audience code;
    channel, topics and audiences prefetched."""
    courses = CoursePage.objects.live().select_related("channel").prefetch_related("topics", "audiences")
    if district is not None:
        index = course_index_for(district=district)
        courses = courses.descendant_of(index) if index is not None else courses.none()
    if topic:
        courses = courses.filter(topics__slug=topic)
    if audience:
        courses = courses.filter(audiences__code=audience)
    return courses.order_by("path").distinct()


def course_lessons(*, course: CoursePage) -> QuerySet:
    return LessonPage.objects.child_of(course).live().order_by("path")


def course_quiz(*, course: CoursePage) -> QuizPage | None:
    return QuizPage.objects.child_of(course).live().first()


def quiz_district_id(*, quiz: QuizPage) -> int | None:
    """The district of the quiz's catalogue (from the quiz memo: no query once known)."""
    return caching.draw_plan(quiz=quiz).district_id


def quizzes_open(*, district: Area | None = None, now=None) -> list[dict]:
    """Live quizzes with a round open now (or no rounds at all: always open). Each item:
    ``{"quiz": QuizPage, "round": QuizRound | None}``."""
    now = now or timezone.now()
    quizzes = QuizPage.objects.live().order_by("path")
    if district is not None:
        index = course_index_for(district=district)
        quizzes = quizzes.descendant_of(index) if index is not None else quizzes.none()
    quizzes = list(quizzes)
    rounds: dict[int, list[QuizRound]] = {}
    for round_ in QuizRound.objects.filter(quiz__in=quizzes):
        rounds.setdefault(round_.quiz_id, []).append(round_)
    result = []
    for quiz in quizzes:
        own = rounds.get(quiz.pk, [])
        current = next(
            (
                r
                for r in own
                if (r.starts_at is None or r.starts_at <= now) and (r.ends_at is None or now < r.ends_at)
            ),
            None,
        )
        if own and current is None:
            continue
        result.append({"quiz": quiz, "round": current})
    return result


# ------------------------------------------------------------------------------
# Attempts: what the browser may see
# ------------------------------------------------------------------------------
def attempt_payload(*, attempt: Attempt, now=None) -> dict:
    """What the browser gets to take the attempt: the drawn questions in the stored order with
    options in the stored shuffled order, ids and texts only. NEVER the correct options or the
    explanation (those come from ``attempt_result`` after submitting). The texts come from
    ``caching.question_details``: no query once this process has seen the questions, two before."""
    now = now or timezone.now()
    question_ids = [item["q"] for item in attempt.drawn]
    details = caching.question_details(question_ids)
    quiz = attempt.quiz
    return {
        "attempt_id": attempt.pk,
        "quiz_id": quiz.pk,
        "quiz_title": quiz.title,
        "attempt_no": attempt.attempt_no,
        "attempts_allowed": quiz.attempts_per_round,
        "pass_mark": quiz.pass_mark,
        "started_at": attempt.started_at.isoformat(),
        "deadline": attempt.deadline.isoformat(),
        "seconds_left": max(0, int((attempt.deadline - now).total_seconds())),
        "submitted": attempt.submitted_at is not None,
        "questions": [
            {
                "id": item["q"],
                "number": n,
                "kind": details[item["q"]].kind,
                "text": details[item["q"]].text,
                "options": [
                    {"id": o, "text": details[item["q"]].options[o]}
                    for o in item["o"]
                    if o in details[item["q"]].options
                ],
            }
            for n, item in enumerate(attempt.drawn, start=1)
            if item["q"] in details
        ],
    }


def attempt_result(*, attempt: Attempt) -> dict:
    """The graded attempt: score, passed and per question the options chosen, the correct
    options and the explanation. Only for a submitted attempt (raises ValueError otherwise)."""
    if attempt.submitted_at is None:
        raise ValueError("attempt not submitted")
    payload = attempt_payload(attempt=attempt)
    question_ids = [item["q"] for item in attempt.drawn]
    details = caching.question_details(question_ids)
    answers = {
        question_id: (selected, is_correct)
        for question_id, selected, is_correct in AttemptAnswer.objects.filter(attempt=attempt).values_list(
            "question_id", "selected", "is_correct"
        )
    }
    for question in payload["questions"]:
        selected, is_correct = answers.get(question["id"], ([], False))
        detail = details[question["id"]]
        question["selected"] = selected
        question["is_correct"] = is_correct
        question["correct"] = sorted(detail.correct)
        question["explanation"] = detail.explanation
    payload.update(
        {
            "score": attempt.score,
            "passed": attempt.passed,
            "correct_count": attempt.correct_count,
            "question_count": len(question_ids),
            "submitted_at": attempt.submitted_at.isoformat(),
            "too_fast": attempt.too_fast,
        }
    )
    return payload


def attempts_of(*, learner: Learner, quiz: QuizPage | None = None) -> QuerySet:
    attempts = Attempt.objects.filter(learner=learner).select_related("quiz", "round")
    if quiz is not None:
        attempts = attempts.filter(quiz=quiz)
    return attempts.order_by("-started_at")


def attempts_left(*, learner: Learner | None, quiz: QuizPage, round_: QuizRound | None) -> int:
    """Attempts the learner has left in the round (all of them before the first)."""
    from .models import AttemptQuota

    if learner is None or round_ is None:
        return quiz.attempts_per_round
    used = (
        AttemptQuota.objects.filter(learner=learner, quiz=quiz, round=round_)
        .values_list("used", flat=True)
        .first()
        or 0
    )
    return max(0, quiz.attempts_per_round - used)


# ------------------------------------------------------------------------------
# A learner's progress
# ------------------------------------------------------------------------------
def learner_progress(*, learner: Learner | None) -> list[dict]:
    """Per course the learner touched: lessons done of total, best quiz score, passed,
    completed, certificate number. Fixed number of queries."""
    if learner is None:
        return []
    done = {}
    for course_id, lesson_id in LessonProgress.objects.filter(learner=learner).values_list(
        "course_id", "lesson_id"
    ):
        done.setdefault(course_id, set()).add(lesson_id)
    attempts = list(
        Attempt.objects.filter(learner=learner, submitted_at__isnull=False).values(
            "quiz_id", "score", "passed"
        )
    )
    quiz_ids = {a["quiz_id"] for a in attempts}
    quiz_parent = {}
    for quiz in QuizPage.objects.filter(pk__in=quiz_ids).only("pk", "path", "depth"):
        quiz_parent[quiz.pk] = quiz.path[: -QuizPage.steplen]
    course_ids = set(done)
    courses = {c.pk: c for c in CoursePage.objects.live().filter(pk__in=course_ids)}
    course_paths = {
        c.path: c.pk for c in CoursePage.objects.live().filter(path__in=set(quiz_parent.values()))
    }
    courses.update({c.pk: c for c in CoursePage.objects.live().filter(pk__in=course_paths.values())})
    lessons_total: dict[int, int] = {}
    course_by_path = {c.path: c.pk for c in courses.values()}
    if course_by_path:
        in_courses = Q()
        for path in course_by_path:
            in_courses |= Q(path__startswith=path, depth=len(path) // LessonPage.steplen + 1)
        for path in LessonPage.objects.live().filter(in_courses).values_list("path", flat=True):
            course_id = course_by_path.get(path[: -LessonPage.steplen])
            if course_id:
                lessons_total[course_id] = lessons_total.get(course_id, 0) + 1
    completions = {
        c.course_id: c for c in CourseCompletion.objects.filter(learner=learner).select_related("certificate")
    }
    result = []
    for course_id, course in sorted(courses.items(), key=lambda kv: kv[1].path):
        scores = [a for a in attempts if course_paths.get(quiz_parent.get(a["quiz_id"], "")) == course_id]
        completion = completions.get(course_id)
        result.append(
            {
                "course": course,
                "lessons_done": len(done.get(course_id, set())),
                "lessons_total": lessons_total.get(course_id, 0),
                "best_score": max((a["score"] for a in scores), default=None),
                "passed": any(a["passed"] for a in scores),
                "completed": completion is not None,
                "certificate": completion.certificate if completion else None,
            }
        )
    return result


def lessons_done_ids(*, learner: Learner | None, course: CoursePage | None = None) -> set[int]:
    if learner is None:
        return set()
    progress = LessonProgress.objects.filter(learner=learner)
    if course is not None:
        progress = progress.filter(course=course)
    return set(progress.values_list("lesson_id", flat=True))


# ------------------------------------------------------------------------------
# Statistics for district admins (aggregated in the database)
# ------------------------------------------------------------------------------
def _active_learners(*, year: int | None) -> QuerySet:
    """Learners with a completed lesson or a submitted attempt (in ``year`` when given)."""
    lessons = LessonProgress.objects.filter(learner=OuterRef("pk"))
    attempts = Attempt.objects.filter(learner=OuterRef("pk"), submitted_at__isnull=False)
    if year is not None:
        lessons = lessons.filter(completed_at__year=year)
        attempts = attempts.filter(submitted_at__year=year)
    return Learner.objects.filter(Exists(lessons) | Exists(attempts))


@dataclass(frozen=True)
class LearnerRow:
    area: Area | None
    learners: int
    population: int | None

    @property
    def share(self) -> Decimal | None:
        """Learners as a percentage of the resident population (None when not configured)."""
        if not self.population:
            return None
        return (Decimal(self.learners) * 100 / self.population).quantize(Decimal("0.01"))


def learners_by_street(*, district: Area, year: int | None = None) -> tuple[LearnerRow, list[LearnerRow]]:
    """Distinct learners living in the district (total row) and per street, against each area's
    configured resident population. Learners known only by district count in the total and in
    a final row with ``area=None``. One query for all the counts."""
    streets = list(streets_of(district=district))
    counts = {"total": Count("pk", filter=Q(area__path__startswith=district.path))}
    for street in streets:
        counts[f"s{street.pk}"] = Count("pk", filter=Q(area__path__startswith=street.path))
    totals = _active_learners(year=year).aggregate(**counts)
    rows = [
        LearnerRow(area=s, learners=totals[f"s{s.pk}"], population=s.resident_population) for s in streets
    ]
    unplaced = totals["total"] - sum(r.learners for r in rows)
    if unplaced:
        rows.append(LearnerRow(area=None, learners=unplaced, population=None))
    return LearnerRow(area=district, learners=totals["total"], population=district.resident_population), rows


def learner_share(*, district: Area, year: int | None = None) -> Decimal | None:
    """LEARNER_SHARE: the district's learners as % of its resident population."""
    total, _rows = learners_by_street(district=district, year=year)
    return total.share


@dataclass(frozen=True)
class AwarenessRate:
    people: int
    passed: int

    @property
    def rate(self) -> Decimal | None:
        if not self.people:
            return None
        return (Decimal(self.passed) * 100 / self.people).quantize(Decimal("0.01"))


def awareness_rate(*, district: Area, year: int | None = None) -> AwarenessRate | None:
    """Of the people who took the district's designated awareness quiz, the share whose FIRST
    attempt passed. Implausibly fast attempts (``too_fast``) are left out: a person whose first
    plausible attempt passed counts as passed. None when no awareness quiz is designated."""
    index = CourseIndexPage.objects.filter(district=district).only("awareness_quiz_id").first()
    if index is None or index.awareness_quiz_id is None:
        return None
    attempts = Attempt.objects.filter(
        learner=OuterRef("pk"), quiz_id=index.awareness_quiz_id, submitted_at__isnull=False, too_fast=False
    )
    if year is not None:
        attempts = attempts.filter(submitted_at__year=year)
    first = Subquery(attempts.order_by("started_at", "pk").values("passed")[:1])
    totals = (
        Learner.objects.annotate(first_passed=first)
        .filter(first_passed__isnull=False)
        .aggregate(people=Count("pk"), passed=Count("pk", filter=Q(first_passed=True)))
    )
    return AwarenessRate(people=totals["people"], passed=totals["passed"])


def awareness_rate_value(*, district: Area, year: int) -> Decimal | None:
    """AWARENESS_RATE for portal.metrics."""
    result = awareness_rate(district=district, year=year)
    return None if result is None else result.rate


def question_correct_rates(
    *, district: Area | None = None, quiz: QuizPage | None = None, year: int | None = None
) -> list[dict]:
    """Per question: answers, correct answers and the correct rate (%), lowest rate first, to
    spot confusing questions. Too-fast attempts are left out. One query."""
    answers = AttemptAnswer.objects.filter(attempt__too_fast=False)
    if district is not None:
        answers = answers.filter(attempt__district__path__startswith=district.path)
    if quiz is not None:
        answers = answers.filter(attempt__quiz=quiz)
    if year is not None:
        answers = answers.filter(attempt__submitted_at__year=year)
    rows = (
        answers.values("question_id", "question__code", "question__text")
        .annotate(answered=Count("pk"), correct=Count("pk", filter=Q(is_correct=True)))
        .order_by("question__code")
    )
    result = [
        {
            "question_id": r["question_id"],
            "code": r["question__code"],
            "text": r["question__text"],
            "answered": r["answered"],
            "correct": r["correct"],
            "rate": (Decimal(r["correct"]) * 100 / r["answered"]).quantize(Decimal("0.1"))
            if r["answered"]
            else None,
        }
        for r in rows
    ]
    return sorted(result, key=lambda r: (r["rate"] if r["rate"] is not None else Decimal(101), r["code"]))


def districts_for_stats(*, user: User) -> QuerySet:
    """The districts a staff user may see statistics of (area scoping via the kernel)."""
    return areas_visible_to(user=user).filter(level=Area.Level.DISTRICT)


def _statistics_headers() -> dict:
    return {
        "learners_title": _("Learners"),
        "learners": [_("Area"), _("Learners"), _("Resident population"), _("Share (%)")],
        "unplaced": _("Street not known"),
        "total": _("%(district)s total"),
        "awareness_title": _("Awareness"),
        "awareness": [_("People with a first attempt"), _("First attempt passed"), _("Awareness rate (%)")],
        "questions_title": _("Questions"),
        "questions": [_("Code"), _("Question"), _("Answers"), _("Correct answers"), _("Correct rate (%)")],
    }


def statistics_export_xlsx(*, district: Area, year: int | None = None) -> bytes:
    """Learners per street, the awareness rate and per-question correct rates as one xlsx
    workbook (three sheets). No personal data."""
    from openpyxl import Workbook

    headers = _statistics_headers()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = headers["learners_title"]
    sheet.append(headers["learners"])
    total, rows = learners_by_street(district=district, year=year)
    for row in [*rows, total]:
        name = row.area.name if row.area is not None else headers["unplaced"]
        if row is total:
            name = headers["total"] % {"district": district.name}
        sheet.append(
            [name, row.learners, row.population, float(row.share) if row.share is not None else None]
        )
    sheet = workbook.create_sheet(headers["awareness_title"])
    sheet.append(headers["awareness"])
    awareness = awareness_rate(district=district, year=year)
    if awareness is not None:
        sheet.append(
            [
                awareness.people,
                awareness.passed,
                float(awareness.rate) if awareness.rate is not None else None,
            ]
        )
    sheet = workbook.create_sheet(headers["questions_title"])
    sheet.append(headers["questions"])
    for row in question_correct_rates(district=district, year=year):
        sheet.append(
            [
                row["code"],
                row["text"],
                row["answered"],
                row["correct"],
                float(row["rate"]) if row["rate"] is not None else None,
            ]
        )
    return workbook_bytes(workbook)


# ------------------------------------------------------------------------------
# For the web pages (per learner)
# ------------------------------------------------------------------------------
def attempt_for_learner(*, attempt_id: int, learner: Learner | None) -> Attempt | None:
    """The attempt when it belongs to ``learner``; None otherwise (never another's)."""
    if learner is None:
        return None
    return Attempt.objects.select_related("quiz", "round").filter(pk=attempt_id, learner=learner).first()


def attempt_questions(*, attempt: Attempt) -> list[dict]:
    """The drawn questions, options in shown order, no answers: ``attempt_payload``'s list."""
    return attempt_payload(attempt=attempt)["questions"]


def attempt_review(*, attempt: Attempt) -> list[dict]:
    """After submitting: each question with selected, correct, is_correct and explanation."""
    return attempt_result(attempt=attempt)["questions"]


def quiz_learner_status(*, quiz: QuizPage, learner: Learner | None, now=None) -> dict:
    """The open round (None when closed), attempts used and left in it, the learner's open
    (unsubmitted, in time) attempt and last submitted attempt. Fixed query count."""
    from .models import AttemptQuota

    now = now or timezone.now()
    rounds = caching.draw_plan(quiz=quiz).rounds
    info = next((r for r in rounds if r.is_open(now)), None)
    current = (
        QuizRound(pk=info.pk, quiz_id=quiz.pk, name=info.name, starts_at=info.starts_at, ends_at=info.ends_at)
        if info is not None
        else None
    )
    is_open = current is not None or not rounds
    used = 0
    open_attempt = last = None
    if learner is not None:
        if current is not None:
            used = (
                AttemptQuota.objects.filter(learner=learner, quiz=quiz, round=current)
                .values_list("used", flat=True)
                .first()
                or 0
            )
        attempts = Attempt.objects.filter(learner=learner, quiz=quiz)
        open_attempt = (
            attempts.filter(submitted_at__isnull=True, deadline__gt=now).order_by("-started_at").first()
        )
        last = attempts.filter(submitted_at__isnull=False).order_by("-submitted_at").first()
    return {
        "round": current,
        "is_open": is_open,
        "attempts_used": used,
        "attempts_left": max(0, quiz.attempts_per_round - used),
        "open_attempt": open_attempt,
        "last_attempt": last,
    }


def course_learner_progress(*, course: CoursePage, learner: Learner | None) -> dict:
    """Done lesson ids and the completion (with its certificate) of one course."""
    if learner is None:
        return {"done": set(), "completion": None}
    completion = (
        CourseCompletion.objects.filter(learner=learner, course=course).select_related("certificate").first()
    )
    return {"done": lessons_done_ids(learner=learner, course=course), "completion": completion}

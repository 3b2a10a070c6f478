"""Read-only shaping of course and quiz data for the web pages (templates want plain dicts).

No writes and no rules here: grading, caps and rounds live in ``courses.services``. Each
function runs a fixed number of queries whatever the size of the bank or of the course, so the
quiz pages' query counts stay flat (pinned in courses/tests/test_views.py).

The answer sheet (``attempt_questions``) is built from the question text and option text only:
which option is correct and the explanation are never read for it, so they cannot leak into
the page before the attempt is handed in.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from courses import selectors
from courses.models import (
    Attempt,
    CourseCompletion,
    CoursePage,
    LessonPage,
    LessonProgress,
    Question,
    QuizPage,
    QuizRound,
)

KIND_LABELS = {
    Question.Kind.SINGLE: _("Single choice"),
    Question.Kind.MULTIPLE: _("Multiple choice"),
    Question.Kind.TRUE_FALSE: _("True or false"),
}


# ------------------------------------------------------------------------------
# Quiz attempts
# ------------------------------------------------------------------------------
def answers_from_post(*, attempt: Attempt, data) -> dict[str, list[str]]:
    """Form fields ``q<question id>`` (radio or checkboxes) → the service's answers mapping."""
    answers = {}
    for item in attempt.drawn:
        chosen = [value for value in data.getlist(f"q{item['q']}") if value]
        if chosen:
            answers[str(item["q"])] = chosen
    return answers


def attempt_questions(*, attempt: Attempt) -> list[dict]:
    """The answer sheet: ``selectors.attempt_questions`` (ids and texts only, never the correct
    options or the explanation) plus what the form needs to draw each question."""
    sheet = selectors.attempt_questions(attempt=attempt)
    for question in sheet:
        question["kind_label"] = str(KIND_LABELS.get(question["kind"], ""))
        question["multiple"] = question["kind"] == Question.Kind.MULTIPLE
    return sheet


def attempt_review(*, attempt: Attempt) -> dict:
    """A handed-in attempt (``selectors.attempt_result``) shaped for the result page: per
    option whether it is right and whether it was chosen, and the right answer in words."""
    result = selectors.attempt_result(attempt=attempt)
    items = []
    for question in result["questions"]:
        selected, right = set(question["selected"]), set(question["correct"])
        options = [
            {"id": o["id"], "text": o["text"], "is_correct": o["id"] in right, "chosen": o["id"] in selected}
            for o in question["options"]
        ]
        items.append(
            {
                "id": question["id"],
                "text": question["text"],
                "explanation": question["explanation"],
                "correct": question["is_correct"],
                "options": options,
                "right_answer_text": "、".join(o["text"] for o in options if o["is_correct"]),
            }
        )
    return {
        "score": result["score"],
        "passed": result["passed"],
        "correct_count": result["correct_count"],
        "flagged": result["too_fast"],
        "items": items,
    }


def quiz_course(*, quiz: QuizPage) -> CoursePage | None:
    return CoursePage.objects.live().parent_of(quiz).first()


def quiz_status(*, quiz: QuizPage, learner) -> dict:
    """``selectors.quiz_learner_status`` plus the next round when none is open."""
    status = selectors.quiz_learner_status(quiz=quiz, learner=learner)
    status["in_progress"] = status["open_attempt"]
    status["next_round"] = None
    if not status["is_open"]:
        status["next_round"] = (
            QuizRound.objects.filter(quiz=quiz, starts_at__gt=timezone.now()).order_by("starts_at").first()
        )
    return status


# ------------------------------------------------------------------------------
# Courses and lessons
# ------------------------------------------------------------------------------
def _certificate_url(completion: CourseCompletion | None) -> str | None:
    certificate = completion.certificate if completion is not None else None
    if certificate is None or not certificate.pdf:
        return None
    from django.urls import reverse

    return reverse("certificate_download", kwargs={"number": certificate.number})


def course_state(*, course: CoursePage, learner) -> dict:
    lessons = list(LessonPage.objects.live().child_of(course).only("id", "title", "slug", "url_path", "path"))
    done = set()
    completion = None
    quiz = QuizPage.objects.live().child_of(course).first()
    quiz_passed = False
    if learner is not None:
        done = set(
            LessonProgress.objects.filter(learner=learner, course=course).values_list("lesson_id", flat=True)
        )
        completion = (
            CourseCompletion.objects.select_related("certificate")
            .filter(learner=learner, course=course)
            .first()
        )
        if quiz is not None:
            quiz_passed = Attempt.objects.filter(learner=learner, quiz=quiz, passed=True).exists()
    rows = [{"page": lesson, "done": lesson.pk in done} for lesson in lessons]
    return {
        "lessons": rows,
        "done_count": sum(1 for row in rows if row["done"]),
        "quiz": quiz,
        "quiz_passed": quiz_passed,
        "completed": completion is not None,
        "certificate": completion.certificate if completion is not None else None,
        "certificate_url": _certificate_url(completion),
    }


def lesson_next(*, lesson: LessonPage) -> LessonPage | None:
    return LessonPage.objects.live().sibling_of(lesson).filter(path__gt=lesson.path).order_by("path").first()


def lesson_state(*, lesson: LessonPage, learner) -> dict:
    course = CoursePage.objects.parent_of(lesson).first()
    siblings = list(
        LessonPage.objects.live().sibling_of(lesson).order_by("path").only("id", "title", "url_path", "path")
    )
    position = next((i for i, s in enumerate(siblings) if s.pk == lesson.pk), None)
    previous = siblings[position - 1] if position else None
    following = siblings[position + 1] if position is not None and position + 1 < len(siblings) else None
    done = learner is not None and LessonProgress.objects.filter(learner=learner, lesson=lesson).exists()
    return {
        "course": course,
        "done": done,
        "previous": previous,
        "next": following,
        "quiz": QuizPage.objects.live().child_of(course).first() if course is not None else None,
    }


def catalogue(*, index, learner) -> dict:
    """The courses and standalone quizzes of a course catalogue, with this learner's progress.
    A fixed number of queries whatever the number of courses."""
    courses = list(
        CoursePage.objects.live()
        .child_of(index)
        .select_related("channel")
        .prefetch_related("topics", "audiences")
        .order_by("path")
    )
    steplen = CoursePage.steplen
    lesson_counts: dict[str, int] = {}
    for path in LessonPage.objects.live().descendant_of(index).values_list("path", flat=True):
        lesson_counts[path[:-steplen]] = lesson_counts.get(path[:-steplen], 0) + 1
    done: dict[int, int] = {}
    completed: set[int] = set()
    if learner is not None:
        for course_id in LessonProgress.objects.filter(learner=learner).values_list("course_id", flat=True):
            done[course_id] = done.get(course_id, 0) + 1
        completed = set(CourseCompletion.objects.filter(learner=learner).values_list("course_id", flat=True))
    return {
        "courses": [
            {
                "course": course,
                "lesson_count": lesson_counts.get(course.path, 0),
                "done_count": done.get(course.pk, 0),
                "completed": course.pk in completed,
            }
            for course in courses
        ],
        "quizzes": list(QuizPage.objects.live().child_of(index).order_by("path")),
    }

"""Courses and quizzes API (fit for a WeChat mini-program): ``/api/v1/quizzes/…``, ``/api/v1/courses/…``.

Who is learning: a logged-in account (Bearer token or browser session), otherwise an anonymous
learner named by the ``X-Learner-Key`` header (returned by the first attempt start as
``learner_key``). Session callers must send the CSRF token on POSTs. Correct answers and
explanations are only ever in a *submitted* attempt's result.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.utils import check_csrf

from courses import selectors, services
from courses.models import QuizPage
from portal import ratelimit
from portal.api import BearerToken, ErrorOut
from portal.errors import NotFound, PortalError
from portal.models import Area

quizzes_router = Router(tags=["quizzes"])
courses_router = Router(tags=["courses"])
LEARNER_HEADER = "X-Learner-Key"


def _caller(request: HttpRequest):
    """The authenticated user (token first, then session) or None."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = BearerToken().authenticate(request, header.split(" ", 1)[1].strip())
        if user is None:
            raise PortalError(_("The API token is not valid."), code="TOKEN_INVALID")
        return user, False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, True
    return None, False


def _learner(request: HttpRequest, *, create: bool, district_id: int | None = None):
    user, by_session = _caller(request)
    if by_session and request.method == "POST" and check_csrf(request) is not None:
        raise PortalError(_("CSRF check failed: send the X-CSRFToken header."), code="CSRF_FAILED")
    if user is not None:
        return services.learner_resolve(user=user, session=None, create=create)
    key = request.headers.get(LEARNER_HEADER, "")
    learner = services.learner_by_key(anonymous_key=key) if key else None
    if learner is None and create:
        learner = services.learner_resolve(user=None, session={}, district_id=district_id)
        learner.is_new = True
    return learner


# ------------------------------------------------------------------------------
# Schemas
# ------------------------------------------------------------------------------
class QuizOut(Schema):
    id: int
    title: str
    url: str
    question_count: int
    time_limit_minutes: int
    pass_mark: int
    attempts_per_round: int
    round: str | None
    round_ends_at: str | None


class OptionOut(Schema):
    id: int
    text: str


class QuestionOut(Schema):
    id: int
    number: int
    kind: str = Field(description="single | multiple | true_false")
    text: str
    options: list[OptionOut]


class AttemptOut(Schema):
    attempt_id: int
    quiz_id: int
    quiz_title: str
    attempt_no: int
    attempts_allowed: int
    pass_mark: int
    started_at: str
    deadline: str
    seconds_left: int
    submitted: bool
    questions: list[QuestionOut]
    learner_key: str | None = Field(
        None, description="Anonymous callers: send it back as the X-Learner-Key header."
    )


class ReviewedQuestionOut(QuestionOut):
    selected: list[int]
    correct: list[int]
    is_correct: bool
    explanation: str


class ResultOut(Schema):
    attempt_id: int
    quiz_id: int
    quiz_title: str
    attempt_no: int
    score: int
    passed: bool
    pass_mark: int
    correct_count: int
    question_count: int
    submitted_at: str
    questions: list[ReviewedQuestionOut]


class SubmitIn(Schema):
    answers: dict[str, list[int]] = Field(description='{"<question id>": [<option id>, ...]}')


class CourseOut(Schema):
    id: int
    title: str
    url: str
    summary: str
    channel: str | None
    topics: list[str]
    audiences: list[str]
    duration_minutes: int


class ProgressOut(Schema):
    course_id: int
    title: str
    lessons_done: int
    lessons_total: int
    best_score: int | None
    passed: bool
    completed: bool
    certificate_number: str | None


# ------------------------------------------------------------------------------
# Quizzes
# ------------------------------------------------------------------------------
def _district(code: str | None) -> Area | None:
    if not code:
        return None
    return Area.objects.filter(code=code, level=Area.Level.DISTRICT).first()


@quizzes_router.get("", response=list[QuizOut], summary="Quizzes open now")
def quizzes(request, district: str | None = None):
    """Public. ``district`` is a district code (e.g. ``hp``)."""
    area = _district(district)
    if district and area is None:
        return []
    return [
        {
            "id": item["quiz"].pk,
            "title": item["quiz"].title,
            "url": item["quiz"].url or "",
            "question_count": item["quiz"].question_count,
            "time_limit_minutes": item["quiz"].time_limit_minutes,
            "pass_mark": item["quiz"].pass_mark,
            "attempts_per_round": item["quiz"].attempts_per_round,
            "round": item["round"].name if item["round"] else None,
            "round_ends_at": item["round"].ends_at.isoformat()
            if item["round"] and item["round"].ends_at
            else None,
        }
        for item in selectors.quizzes_open(district=area)
    ]


@quizzes_router.post(
    "/{quiz_id}/attempts",
    response={201: AttemptOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="Start (or resume) an attempt: the drawn questions, never the answers",
)
def attempt_start(request, quiz_id: int):
    """An unfinished attempt still in time is returned instead of starting another. Errors:
    QUIZ_NOT_AVAILABLE, QUIZ_CLOSED, QUIZ_BANK_TOO_SMALL, ATTEMPTS_EXHAUSTED, RATE_LIMITED (per
    learner, and per IP and account before any learner is made: a caller without a learner key
    gets a new learner each time)."""
    ratelimit.check_request(request, scope="quiz_start")
    quiz = QuizPage.objects.live().filter(pk=quiz_id).first()
    if quiz is None:
        return Status(404, {"code": "QUIZ_NOT_AVAILABLE", "message": _("This quiz is not available.")})
    learner = _learner(request, create=True, district_id=selectors.quiz_district_id(quiz=quiz))
    # A learner made by this very request has no attempt to resume: skip looking for one.
    attempt = services.attempt_start(learner=learner, quiz=quiz, resume=not getattr(learner, "is_new", False))
    payload = selectors.attempt_payload(attempt=attempt)
    payload["learner_key"] = learner.anonymous_key
    return Status(201, payload)


def _own_attempt(request, attempt_id: int):
    learner = _learner(request, create=False)
    attempt = selectors.attempt_for_learner(attempt_id=attempt_id, learner=learner)
    if attempt is None:
        raise NotFound(_("This attempt was not found."), code="ATTEMPT_NOT_FOUND")
    return learner, attempt


@quizzes_router.post(
    "/attempts/{attempt_id}/submit",
    response={200: ResultOut, 400: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    summary="Hand in the answers; graded on the server",
)
def attempt_submit(request, attempt_id: int, body: SubmitIn):
    """Returns the score, passed and each question's correct options and explanation. A second
    submit of the same attempt returns the first result and changes nothing. Errors:
    ATTEMPT_NOT_FOUND, ATTEMPT_LATE, ANSWERS_INVALID, ANSWER_UNKNOWN_QUESTION,
    ANSWER_UNKNOWN_OPTION, RATE_LIMITED."""
    learner = _learner(request, create=False)
    if learner is None:
        raise NotFound(_("This attempt was not found."), code="ATTEMPT_NOT_FOUND")
    # The service finds (and locks) the attempt among this learner's own: ATTEMPT_NOT_FOUND otherwise.
    attempt = services.attempt_submit(learner=learner, attempt_id=attempt_id, answers=body.answers)
    return Status(200, selectors.attempt_result(attempt=attempt))


@quizzes_router.get(
    "/attempts/{attempt_id}",
    response={200: AttemptOut | ResultOut, 404: ErrorOut},
    summary="An attempt: the questions while open, the graded result once submitted",
)
def attempt_get(request, attempt_id: int):
    _learner_obj, attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None:
        return Status(200, selectors.attempt_payload(attempt=attempt))
    return Status(200, selectors.attempt_result(attempt=attempt))


# ------------------------------------------------------------------------------
# Courses
# ------------------------------------------------------------------------------
@courses_router.get("", response=list[CourseOut], summary="Published courses")
def courses(request, district: str | None = None, topic: str | None = None, audience: str | None = None):
    """Public. Filters: district code, topic code, audience code."""
    area = _district(district)
    if district and area is None:
        return []
    return [
        {
            "id": course.pk,
            "title": course.title,
            "url": course.url or "",
            "summary": course.summary,
            "channel": course.channel.name if course.channel_id else None,
            "topics": [t.name for t in course.topics.all()],
            "audiences": [a.name for a in course.audiences.all()],
            "duration_minutes": course.duration_minutes,
        }
        for course in selectors.courses_list(district=area, topic=topic, audience=audience)
    ]


@courses_router.get("/me/progress", response=list[ProgressOut], summary="The caller's learning progress")
def my_progress(request):
    """Logged-in account, or the anonymous learner of the ``X-Learner-Key`` header."""
    return _progress(_learner(request, create=False))


@courses_router.post(
    "/me/attach",
    response={200: list[ProgressOut], 401: ErrorOut},
    summary="After log-in: what was learned anonymously (X-Learner-Key) becomes the account's",
)
def my_attach(request):
    """For apps that learned anonymously before the resident logged in: call once with the
    account's token (or session) and the old ``X-Learner-Key``. Lessons, attempts (counted
    against the round's cap) and completions move to the account; returns the account's progress.
    Idempotent: an unknown or already attached key changes nothing. Error: LOGIN_REQUIRED (401)."""
    user, by_session = _caller(request)
    if user is None:
        return Status(401, {"code": "LOGIN_REQUIRED", "message": _("Log in first.")})
    if by_session and check_csrf(request) is not None:
        raise PortalError(_("CSRF check failed: send the X-CSRFToken header."), code="CSRF_FAILED")
    learner = services.learner_attach(user=user, anonymous_key=request.headers.get(LEARNER_HEADER, ""))
    return Status(200, _progress(learner))


def _progress(learner) -> list[dict]:
    return [
        {
            "course_id": row["course"].pk,
            "title": row["course"].title,
            "lessons_done": row["lessons_done"],
            "lessons_total": row["lessons_total"],
            "best_score": row["best_score"],
            "passed": row["passed"],
            "completed": row["completed"],
            "certificate_number": row["certificate"].number if row["certificate"] else None,
        }
        for row in selectors.learner_progress(learner=learner)
    ]

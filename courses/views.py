"""Courses views that are not Wagtail pages: marking a lesson learned, starting, answering and
reviewing a quiz attempt, and the district dashboard. Thin: resolve the learner, call one
service, show its Chinese message when it refuses.

The course, lesson and quiz pages themselves are Wagtail pages (templates in
``courses/templates/courses/*_page.html``); learner-specific parts come from ``courses_tags``.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from courses import presenters, services
from courses import selectors as course_selectors
from courses.forms import DashboardFilterForm, StreetForm
from courses.models import Attempt, LessonPage, QuizPage
from portal.errors import PortalError
from portal.models import Area, Metric, Role
from portal.ratelimit import rate_limited
from portal.selectors import areas_visible_to, targets_progress


def _learner(request, *, create: bool):
    return services.learner_resolve(user=request.user, session=request.session, create=create)


def _error_message(error: PortalError) -> str:
    """The service's own (translated) message, with a friendlier wording for the codes a
    resident meets in normal use."""
    friendly = {
        "ATTEMPT_LATE": _(
            "Time was up before your answers arrived, so this attempt could not be handed in. "
            "It counts as one of your attempts."
        ),
        "ATTEMPTS_EXHAUSTED": _("You have used all attempts of this round. Try again in the next round."),
        "QUIZ_CLOSED": _("This quiz is not open at the moment. Look at the round dates on the quiz page."),
        "RATE_LIMITED": _("Too many tries in a short time. Please wait a minute and try again."),
    }
    return friendly.get(error.code, error.message)


@require_POST
def lesson_complete(request, lesson_id: int):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    learner = _learner(request, create=True)
    try:
        services.lesson_complete(learner=learner, lesson=lesson)
    except PortalError as error:
        messages.error(request, _error_message(error))
        return redirect(lesson.url)
    messages.success(request, _("Marked as learned."))
    following = presenters.lesson_next(lesson=lesson)
    return redirect(following.url if following is not None else lesson.url)


@require_POST
@rate_limited("quiz_start")
def quiz_start(request, quiz_id: int):
    quiz = get_object_or_404(QuizPage.objects.live(), pk=quiz_id)
    learner = _learner(request, create=True)
    try:
        attempt = services.attempt_start(learner=learner, quiz=quiz)
    except PortalError as error:
        messages.error(request, _error_message(error))
        return redirect(quiz.url)
    return redirect("courses:attempt", attempt_id=attempt.pk)


def _own_attempt(request, attempt_id: int) -> Attempt:
    """The attempt if it belongs to this browser's learner; 404 otherwise (never say whose it is)."""
    learner = _learner(request, create=False)
    if learner is None:
        raise Http404
    return get_object_or_404(Attempt.objects.select_related("quiz", "round"), pk=attempt_id, learner=learner)


@never_cache
@require_http_methods(["GET", "POST"])
def attempt(request, attempt_id: int):
    """The answer sheet (GET) and its hand-in (POST). Works as a plain form without JavaScript."""
    current = _own_attempt(request, attempt_id)
    quiz = current.quiz.specific
    if request.method == "POST":
        if current.submitted_at is not None:
            messages.info(
                request, _("These answers were already handed in. Here is the result of the first hand-in.")
            )
            return redirect("courses:attempt_result", attempt_id=current.pk)
        answers = presenters.answers_from_post(attempt=current, data=request.POST)
        try:
            services.attempt_submit(learner=current.learner, attempt_id=current.pk, answers=answers)
        except PortalError as error:
            messages.error(request, _error_message(error))
            return redirect(quiz.url)
        return redirect("courses:attempt_result", attempt_id=current.pk)

    if current.submitted_at is not None:
        return redirect("courses:attempt_result", attempt_id=current.pk)
    remaining = int((current.deadline - timezone.now()).total_seconds())
    if remaining <= -services.SUBMIT_GRACE_SECONDS:
        messages.error(request, _("The time for this attempt is over."))
        return redirect(quiz.url)
    return render(
        request,
        "courses/attempt_take.html",
        {
            "attempt": current,
            "quiz": quiz,
            "quiz_rules": quiz,
            "questions": presenters.attempt_questions(attempt=current),
            "remaining_seconds": max(0, remaining),
            "deadline": timezone.localtime(current.deadline),
        },
    )


@never_cache
def attempt_result(request, attempt_id: int):
    current = _own_attempt(request, attempt_id)
    if current.submitted_at is None:
        return redirect("courses:attempt", attempt_id=current.pk)
    quiz = current.quiz.specific
    status = presenters.quiz_status(quiz=quiz, learner=current.learner)
    course = presenters.quiz_course(quiz=quiz)
    certificate_url = None
    if course is not None and request.user.is_authenticated:
        certificate_url = presenters.course_state(course=course, learner=current.learner)["certificate_url"]
    return render(
        request,
        "courses/attempt_result.html",
        {
            "attempt": current,
            "quiz": quiz,
            "quiz_rules": quiz,
            "course": course,
            "status": status,
            "result": presenters.attempt_review(attempt=current),
            "certificate_url": certificate_url,
        },
    )


# ------------------------------------------------------------------------------
# District dashboard
# ------------------------------------------------------------------------------
DASHBOARD_ROLES = {Role.DISTRICT_ADMIN, Role.STREET_COORDINATOR}
LEARNER_TARGET_SHARE = Decimal("5")  # 和平: residents learning online ≥ 5% of 常住人口 (004:76)
CONFUSING_RATE = Decimal("60")  # questions answered right less often than this are highlighted


@never_cache
@login_required
def dashboard(request):
    """Learners per street against the population, awareness against the district's target,
    per-question correct rates; scoped to the user's area; ``?format=xlsx`` exports them."""
    user = request.user
    if not (user.is_superuser or user.role_codes & DASHBOARD_ROLES):
        raise PermissionDenied
    visible = areas_visible_to(user=user)
    district_ids = {area.district_id for area in visible.only("path")}
    districts = list(
        Area.objects.filter(pk__in=district_ids, level=Area.Level.DISTRICT).order_by("sort_order", "name")
    )
    if not districts:
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None, districts=districts)
    district, year = districts[0], None
    if form.is_valid():
        district = form.cleaned_data["district"] or district
        year = form.cleaned_data["year"]
    whole_district = visible.filter(pk=district.pk).exists()

    if request.GET.get("format") == "xlsx":
        if not whole_district:
            raise PermissionDenied
        content = course_selectors.statistics_export_xlsx(district=district, year=year)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        filename = f"learning-{district.code}-{year or 'all'}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    total, rows = course_selectors.learners_by_street(district=district, year=year)
    if not whole_district:
        visible_ids = set(visible.values_list("pk", flat=True))
        rows = [row for row in rows if row.area is not None and row.area.pk in visible_ids]
    awareness = course_selectors.awareness_rate(district=district, year=year) if whole_district else None
    questions = (
        course_selectors.question_correct_rates(district=district, year=year) if whole_district else []
    )
    targets = {
        item.target.metric: item.target
        for item in targets_progress(district=district, year=year or timezone.localdate().year)
        if item.target.kind == "target"
    }
    learner_target = targets.get(Metric.LEARNER_SHARE)
    chart = {
        "streets": {
            "labels": [
                row.area.name if row.area else _("Street not known") for row in rows if row.population
            ],
            "shares": [float(row.share) for row in rows if row.population],
            "target": float(learner_target.value if learner_target else LEARNER_TARGET_SHARE),
        },
        "questions": {
            "labels": [row["code"] for row in questions[:20]],
            "rates": [float(row["rate"]) for row in questions[:20] if row["rate"] is not None],
        },
        "labels": {
            "share": _("Learners as a share of residents (%)"),
            "target": _("Target"),
            "rate": _("Correct rate (%)"),
        },
    }
    return render(
        request,
        "courses/dashboard.html",
        {
            "form": form,
            "district": district,
            "year": year,
            "whole_district": whole_district,
            "total": total,
            "rows": rows,
            "awareness": awareness,
            "awareness_target": targets.get(Metric.AWARENESS_RATE),
            "learner_target": learner_target,
            "learner_target_share": learner_target.value if learner_target else LEARNER_TARGET_SHARE,
            "questions": questions,
            "confusing_rate": CONFUSING_RATE,
            "chart": chart,
        },
    )


@require_POST
def learner_area(request):
    """ "Which street do you live in?": counts the learner in that street's statistics."""
    form = StreetForm(request.POST)
    back = url_has_allowed_host_and_scheme(
        request.POST.get("next", ""), allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    next_url = request.POST["next"] if back else "/"
    if not form.is_valid():
        messages.error(request, _("Choose your street from the list."))
        return redirect(next_url)
    learner = _learner(request, create=True)
    services.learner_set_area(learner=learner, area=form.cleaned_data["area"])
    messages.success(
        request,
        _("Thank you. Your learning now counts for %(street)s.") % {"street": form.cleaned_data["area"].name},
    )
    return redirect(next_url)

"""Learner-specific parts of the course, lesson and quiz pages (Wagtail serves the pages; these
tags add "what has this browser or account done"). A visit never creates a learner."""

from django import template
from django.urls import NoReverseMatch, reverse

from courses import presenters, services

register = template.Library()


def _learner(context):
    request = context.get("request")
    if request is None:
        return None
    return services.learner_resolve(user=request.user, session=request.session, create=False)


@register.simple_tag(takes_context=True)
def courses_catalogue(context, page):
    return presenters.catalogue(index=page, learner=_learner(context))


@register.simple_tag(takes_context=True)
def course_state(context, page):
    return presenters.course_state(course=page, learner=_learner(context))


@register.simple_tag(takes_context=True)
def lesson_state(context, page):
    return presenters.lesson_state(lesson=page, learner=_learner(context))


@register.simple_tag(takes_context=True)
def quiz_state(context, page):
    return presenters.quiz_status(quiz=page, learner=_learner(context))


@register.simple_tag(takes_context=True)
def courses_home_url(context):
    """The course catalogue of the site being viewed (for the main menu), or ''. Kept per host in
    the courses memo (``courses.caching.home_url``): no query while it holds."""
    from courses import caching

    request = context.get("request")
    if request is None:
        return _courses_home_url(None)
    return caching.home_url(
        host=f"{request.scheme}://{request.get_host()}", build=lambda: _courses_home_url(request)
    )


def _courses_home_url(request) -> str:
    from wagtail.models import Site

    from courses.models import CourseIndexPage

    indexes = CourseIndexPage.objects.live().order_by("path")
    site = Site.find_for_request(request) if request is not None else None
    if site is not None:
        root = next((path for path in Site.get_site_root_paths() if path.site_id == site.pk), None)
        if root is not None:
            found = indexes.filter(url_path__startswith=root.root_path).first()
            if found is not None:
                return found.get_url(request=request)
    first = indexes.first()
    return first.get_url(request=request) if first is not None else ""


@register.simple_tag(takes_context=True)
def courses_dashboard_url(context):
    try:
        return reverse("courses:dashboard")
    except NoReverseMatch:
        return ""


@register.inclusion_tag("courses/includes/street_prompt.html", takes_context=True)
def street_prompt(context, page):
    """Asks a learner with no known street where they live (for the per-street statistics)."""
    from courses.models import CourseIndexPage
    from portal.models import Area
    from portal.selectors import streets_of

    request = context.get("request")
    learner = _learner(context)
    if request is None or learner is None:
        return {"show": False}
    if learner.area_id is not None and learner.area.level != Area.Level.DISTRICT:
        return {"show": False}
    index = CourseIndexPage.objects.ancestor_of(page, inclusive=True).select_related("district").first()
    if index is None:
        return {"show": False}
    return {
        "show": True,
        "streets": streets_of(district=index.district),
        "district": index.district,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }

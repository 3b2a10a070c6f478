"""Receivers: thin adapters from Django and kernel signals to services."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from portal.signals import person_identified


@receiver(user_logged_in, dispatch_uid="courses.learner_attach_on_login")
def attach_anonymous_learner(sender, request, user, **kwargs) -> None:
    """Progress and attempts made before logging in become the account's."""
    from courses.services import SESSION_KEY, learner_attach

    session = getattr(request, "session", None)
    key = session.get(SESSION_KEY) if session is not None else None
    if key:
        learner_attach(user=user, anonymous_key=key)
        session.pop(SESSION_KEY, None)


@receiver(person_identified, dispatch_uid="courses.certificates_on_person_identified")
def issue_pending_certificates(sender, *, person, user, **kwargs) -> None:
    """An account just got its real name: certificates of courses it completed before are issued
    (enqueued through the outbox, so they go out once the kernel's transaction commits)."""
    from courses.services import course_certificates_issue_pending

    course_certificates_issue_pending(user=user)


# ------------------------------------------------------------------------------
# The quiz memo (courses/caching.py): any change to what a draw or a grading reads, from the
# services or from an admin edit, replaces the content token so every process rebuilds.
# ------------------------------------------------------------------------------
def _content_changed(sender, **kwargs) -> None:
    from courses.caching import content_changed

    content_changed()


def _page_changed(sender, instance=None, **kwargs) -> None:
    from courses.models import CourseIndexPage, CoursePage, QuizPage

    page = instance if instance is not None else kwargs.get("page")
    if isinstance(getattr(page, "specific_deferred", page), CourseIndexPage | CoursePage | QuizPage):
        _content_changed(sender)


def connect_content_receivers() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from courses.models import (
        CourseIndexPage,
        CoursePage,
        Question,
        QuestionOption,
        QuizPage,
        QuizRound,
        Topic,
    )

    for model in (Question, QuestionOption, Topic, QuizRound):
        uid = f"courses.content.{model._meta.model_name}"
        post_save.connect(_content_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_content_changed, sender=model, dispatch_uid=f"{uid}.delete")
    for through in (Question.topics.through, QuizPage.topics.through):
        m2m_changed.connect(
            _content_changed, sender=through, dispatch_uid=f"courses.content.{through.__name__}"
        )
    for model in (CourseIndexPage, CoursePage, QuizPage):
        uid = f"courses.content.{model._meta.model_name}"
        page_published.connect(_content_changed, sender=model, dispatch_uid=f"{uid}.published")
        page_unpublished.connect(_content_changed, sender=model, dispatch_uid=f"{uid}.unpublished")
        post_delete.connect(_content_changed, sender=model, dispatch_uid=f"{uid}.deleted")
    post_page_move.connect(_page_changed, dispatch_uid="courses.content.page_moved")

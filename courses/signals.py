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

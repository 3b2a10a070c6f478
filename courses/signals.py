"""Receivers: thin adapters from Django signals to services."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="courses.learner_attach_on_login")
def attach_anonymous_learner(sender, request, user, **kwargs) -> None:
    """Progress and attempts made before logging in become the account's."""
    from courses.services import SESSION_KEY, learner_attach

    session = getattr(request, "session", None)
    key = session.get(SESSION_KEY) if session is not None else None
    if key:
        learner_attach(user=user, anonymous_key=key)
        session.pop(SESSION_KEY, None)

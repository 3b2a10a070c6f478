from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Courses, lessons, question bank and quizzes (issue: courses and quizzes)."""

    name = "courses"
    verbose_name = _("Courses and quizzes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import metrics, roles
        from portal.models import Metric, Role

        from . import selectors, signals  # the log-in and person_identified receivers connect on import

        signals.connect_content_receivers()

        metrics.register(Metric.LEARNER_SHARE, selectors.learner_share)
        metrics.register(Metric.AWARENESS_RATE, selectors.awareness_rate_value)
        bank = {
            f"courses.{action}_{model}"
            for model in ("question", "questionoption", "topic", "quizround")
            for action in ("view", "add", "change", "delete")
        }
        roles.extend(Role.EDITOR, bank)
        roles.extend(
            Role.DISTRICT_ADMIN,
            {
                "courses.view_question",
                "courses.view_quizround",
                "courses.view_attempt",
                "courses.view_learner",
            },
        )

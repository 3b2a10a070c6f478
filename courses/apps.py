from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Courses, lessons, question bank and quizzes (issue: courses and quizzes)."""

    name = "courses"
    verbose_name = _("Courses and quizzes")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    """Volunteer profiles, teams, activities, service hours, stars and certificates."""

    name = "volunteers"
    verbose_name = _("Volunteers")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    """一警六员: venues, sessions, bookings, check-in, sign-off, certificates and annual counts."""

    name = "training"
    verbose_name = _("一警六员 training")

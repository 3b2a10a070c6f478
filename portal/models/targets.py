from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class PlanPeriod(TimeStampedModel):
    """A district's planning period, e.g. 西城 十四五 2021–2025."""

    district = models.ForeignKey(
        "portal.Area",
        models.PROTECT,
        related_name="plan_periods",
        limit_choices_to={"level": "district"},
        verbose_name=_("district"),
    )
    name = models.CharField(_("name"), max_length=32, help_text=_("e.g. 十四五"))
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    plan_title = models.CharField(_("plan title"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("plan period")
        verbose_name_plural = _("plan periods")
        ordering = ["district", "start_year"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="plan_period_unique_name_per_district"),
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")), name="plan_period_years_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.name}（{self.start_year}–{self.end_year}）"


class Metric(models.TextChoices):
    """What a target counts. Each module registers how to compute the actual value."""

    REGISTERED_VOLUNTEERS = "registered_volunteers", _("Registered fire volunteers (cumulative)")
    VOLUNTEER_ROLE_MODELS = "volunteer_role_models", _("Volunteer role models selected")
    TRAINEES_PASSED_PER_YEAR = "trainees_passed_per_year", _("一警六员 trainees passed this year")
    TRAINEES_TRAINED_PER_YEAR = "trainees_trained_per_year", _("灭真火/出真水 trainees trained this year")
    LEARNER_SHARE = "learner_share", _("Residents learning online (% of residents)")
    AWARENESS_RATE = "awareness_rate", _("Public fire-safety awareness rate (%)")


class Target(TimeStampedModel):
    """District × period × metric × value, with the plan passage it comes from."""

    class Kind(models.TextChoices):
        TARGET = "target", _("Target")
        REFERENCE = "reference", _("Reference line")

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", _("at least")
        ABOUT = "about", _("about")

    period = models.ForeignKey(
        PlanPeriod, models.CASCADE, related_name="targets", verbose_name=_("plan period")
    )
    metric = models.CharField(_("metric"), max_length=40, choices=Metric.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.TARGET)
    comparison = models.CharField(
        _("comparison"), max_length=16, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, help_text=_("e.g. 人 or %"))
    source = models.CharField(_("source"), max_length=255, help_text=_("Plan document and passage."))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["period", "metric", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "metric", "kind"], name="target_unique_metric_per_period"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="target_value_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.get_metric_display()} · {self.value}{self.unit}"

from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class Organisation(TimeStampedModel):
    """A unit (单位) that books its staff into training and answers for their compliance."""

    class Kind(models.TextChoices):
        PROPERTY = "property", _("Property management company")
        SECURITY = "security", _("Security services company")
        KEY_UNIT = "key_unit", _("Key fire-safety unit")
        HIGH_RISK = "high_risk", _("Catering, entertainment or other high-fire-risk venue")
        GOVERNMENT = "government", _("Street, township or community office")
        SCHOOL = "school", _("School")
        ENTERPRISE = "enterprise", _("Enterprise")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("统一社会信用代码, 18 characters."),
    )
    area = models.ForeignKey(
        "portal.Area", models.PROTECT, related_name="organisations", verbose_name=_("area")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    managers = models.ManyToManyField(
        "portal.User", blank=True, related_name="managed_organisations", verbose_name=_("safety managers")
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="organisation_unique_name_per_area"),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="organisation_unique_credit_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

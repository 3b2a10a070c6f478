from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class CertificateKind(models.TextChoices):
    TRAINING = "training", _("一警六员 training certificate")
    VOLUNTEER_SERVICE = "volunteer_service", _("Volunteer service record certificate")
    COURSE = "course", _("Course completion certificate")


# Two letters in the certificate number tell the kind apart on paper.
KIND_PREFIX = {
    CertificateKind.TRAINING: "PX",
    CertificateKind.VOLUNTEER_SERVICE: "ZY",
    CertificateKind.COURSE: "KC",
}


class CertificateSerial(models.Model):
    """The last serial used per district, kind and year; bumped under a row lock."""

    district = models.ForeignKey("portal.Area", models.CASCADE, related_name="+", verbose_name=_("district"))
    kind = models.CharField(_("kind"), max_length=24, choices=CertificateKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("certificate serial")
        verbose_name_plural = _("certificate serials")
        constraints = [
            models.UniqueConstraint(fields=["district", "kind", "year"], name="certificate_serial_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id}-{self.kind}-{self.year}: {self.last}"


class Certificate(TimeStampedModel):
    """The registry every module's certificates go through: numbered, verifiable, revocable.

    The holder is stored masked; the source record (a booking, a volunteer, a quiz attempt)
    is linked generically and unique, so issuing twice for one record is impossible.
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")

    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    verification_code = models.CharField(_("verification code"), max_length=12)
    kind = models.CharField(_("kind"), max_length=24, choices=CertificateKind.choices)
    district = models.ForeignKey("portal.Area", models.PROTECT, related_name="+", verbose_name=_("district"))
    title = models.CharField(_("title"), max_length=128)
    holder = models.ForeignKey(
        "portal.Person", models.PROTECT, related_name="certificates", verbose_name=_("holder")
    )
    holder_name_masked = models.CharField(_("holder (masked)"), max_length=64)
    holder_id_masked = models.CharField(_("holder ID number (masked)"), max_length=32)
    issuer_name = models.CharField(_("issuer"), max_length=128)
    issued_on = models.DateField(_("date of issue"))
    details = models.JSONField(
        _("details"), default=list, blank=True, help_text=_("Label/value pairs printed on the certificate.")
    )
    source_type = models.ForeignKey(
        ContentType, models.PROTECT, related_name="+", verbose_name=_("source type")
    )
    source_id = models.PositiveBigIntegerField(_("source id"))
    source = GenericForeignKey("source_type", "source_id")
    seal = models.CharField(
        _("seal image"),
        max_length=255,
        blank=True,
        help_text=_("The issuer's seal printed on the PDF: a file name in the media store."),
    )
    pdf = models.CharField(
        _("PDF file"), max_length=255, blank=True, help_text=_("Path under the private store.")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "portal.User", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("revoked by")
    )
    revoke_reason = models.CharField(_("reason for revocation"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "kind"], name="certificate_one_per_source"
            ),
            models.CheckConstraint(
                condition=Q(status="valid", revoked_at__isnull=True)
                | Q(status="revoked", revoked_at__isnull=False),
                name="certificate_revocation_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.number

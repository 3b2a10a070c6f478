from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField

from .base import TimeStampedModel


class Person(TimeStampedModel):
    """A real-name identity shared by volunteers and trainees.

    The ID number and phone are stored encrypted; ``*_hash`` columns make them unique and
    searchable, ``*_masked`` columns are what screens, exports and certificates show.
    Create and change people through ``portal.services.person_create``/``person_update``.
    """

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident identity card")
        HK_MACAO_PERMIT = "hk_macao_permit", _("Mainland travel permit for Hong Kong and Macao residents")
        TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
        PASSPORT = "passport", _("Passport")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")
        UNKNOWN = "unknown", _("Unknown")

    user = models.OneToOneField(
        "portal.User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("account"),
    )
    name = models.CharField(_("full name"), max_length=64)
    id_type = models.CharField(
        _("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("ID number"))
    id_number_hash = models.CharField(_("ID number hash"), max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number (masked)"), max_length=32, editable=False)
    phone = EncryptedTextField(_("mobile number"), blank=True, default="")
    phone_hash = models.CharField(
        _("mobile number hash"), max_length=64, blank=True, db_index=True, editable=False
    )
    phone_masked = models.CharField(_("mobile number (masked)"), max_length=16, blank=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN)
    area = models.ForeignKey(
        "portal.Area",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("area of residence"),
    )
    organisation = models.ForeignKey(
        "portal.Organisation",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("employer"),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField


class Role(models.TextChoices):
    """Roles are Django groups named by these codes; staff roles act within ``User.area``."""

    RESIDENT = "resident", _("Resident")
    VOLUNTEER = "volunteer", _("Volunteer")
    TEAM_LEADER = "team_leader", _("Team leader")
    STREET_COORDINATOR = "street_coordinator", _("Street coordinator")
    UNIT_MANAGER = "unit_manager", _("Unit safety manager")
    TRAINER = "trainer", _("Trainer")
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    EDITOR = "editor", _("Editor")


STAFF_ROLES = frozenset(
    {
        Role.TEAM_LEADER,
        Role.STREET_COORDINATOR,
        Role.UNIT_MANAGER,
        Role.TRAINER,
        Role.DISTRICT_ADMIN,
        Role.EDITOR,
    }
)


class User(AbstractUser):
    """An account. The phone lives here (allauth keeps none), encrypted, with a keyed hash for log-in."""

    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    area = models.ForeignKey(
        "portal.Area",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("area of responsibility"),
        help_text=_("Staff see and act only on records in this area and below."),
    )
    phone = EncryptedTextField(_("mobile number"), blank=True, default="")
    phone_hash = models.CharField(_("mobile number hash"), max_length=64, null=True, blank=True, unique=True)
    phone_masked = models.CharField(_("mobile number (masked)"), max_length=16, blank=True, default="")
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        # Phone sign-ups get a generated username ("user2"); the masked number is what they recognise.
        return self.display_name or self.phone_masked or self.username

    def has_role(self, role: str) -> bool:
        return role in self.role_codes

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(self.groups.values_list("name", flat=True))
            self._role_codes = cached
        return cached

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedTextField


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(
        "portal.User", models.CASCADE, related_name="portal_api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=64, blank=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(
        _("prefix"), max_length=8, help_text=_("First characters, to tell tokens apart.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SMSMessage(models.Model):
    """Every SMS the portal sends, as the database backend records it (dev and tests).

    The text is encrypted: verification codes must not be readable from a database dump.
    """

    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    phone_hash = models.CharField(_("mobile number hash"), max_length=64, db_index=True)
    phone_masked = models.CharField(_("mobile number (masked)"), max_length=16)
    text = EncryptedTextField(_("text"))

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.created_at:%Y-%m-%d %H:%M}"

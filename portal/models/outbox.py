from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery job recorded in the same transaction as the change that needs it.

    Requests never wait on the broker: the row is committed with the change, sent after
    commit, and whatever the broker refused is sent again by the beat-driven drain.
    """

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    task_name = models.CharField(_("task"), max_length=128)
    kwargs = models.JSONField(_("arguments"), default=dict)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"

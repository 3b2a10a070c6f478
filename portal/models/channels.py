from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class Channel(TimeStampedModel):
    """A campaign channel: 五进 (进企业、进农村、进社区、进学校、进家庭) and any a district adds (进机关).

    Data, not an enum: sessions, activities, courses and articles all carry one, so staff can see
    which streets a channel has not reached.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=32, unique=True)
    audience = models.CharField(
        _("audience"), max_length=255, blank=True, help_text=_("Whom this channel speaks to, in one line.")
    )
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("campaign channel")
        verbose_name_plural = _("campaign channels")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from portal.blocks import PortalStreamBlock
from portal.selectors import plan_period_current, targets_progress


class HomePage(Page):
    """A district's home page: the root of that district's Wagtail site."""

    district = models.ForeignKey(
        "portal.Area",
        models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "district"},
        verbose_name=_("district"),
    )
    introduction = models.TextField(_("introduction"), blank=True)
    body = StreamField(PortalStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("district"),
        FieldPanel("introduction"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("introduction")]
    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        year = timezone.localdate().year
        context["year"] = year
        context["period"] = plan_period_current(district=self.district, year=year)
        context["progress"] = targets_progress(district=self.district, year=year)
        return context

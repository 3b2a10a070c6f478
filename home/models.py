"""The campaign site: district home pages, 五进 hubs, articles, topics, events, and the records
behind them (search text, daily target snapshots, hazard reports from the home self-check).

Page tree per district site::

    HomePage
    ├── HubPage × channel (进企业 … 进家庭)
    ├── ArticleIndexPage → ArticlePage
    ├── TopicIndexPage   → TopicPage
    └── EventIndexPage   → EventPage
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from portal import pagecache, validators
from portal.blocks import PortalStreamBlock
from portal.models.base import TimeStampedModel
from portal.selectors import plan_period_current, targets_progress


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    RESIDENTS = "residents", _("Residents")
    ELDERLY = "elderly", _("Older residents")
    STUDENTS = "students", _("Students and teachers")
    WORKERS = "workers", _("Employees and safety managers")
    VILLAGERS = "villagers", _("Villagers")
    FAMILIES = "families", _("Families")


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
        from home import cache as fragments

        context = super().get_context(request, *args, **kwargs)
        # Progress, lists, hubs and doors: the same for every visitor, so one cached fragment.
        context["main"] = fragments.fragment(
            name="home-main",
            page_id=self.pk,
            template="home/includes/home_main.html",
            build=lambda: self.main_context(request),
            request=request,
        )
        return context

    def main_context(self, request) -> dict:
        from home import selectors as home_selectors

        year = timezone.localdate().year
        hubs = list(home_selectors.hubs_of(home=self))
        return {
            "page": self,
            "year": year,
            "period": plan_period_current(district=self.district, year=year),
            "progress": targets_progress(district=self.district, year=year),
            "tips": home_selectors.articles_latest(home=self, kind=ArticleKind.KNOWLEDGE, limit=4),
            "cases": home_selectors.articles_latest(
                home=self, kinds=[ArticleKind.CASE, ArticleKind.EXPOSURE], limit=4
            ),
            "events": home_selectors.events_upcoming(home=self, limit=4),
            "hubs": hubs,
            "doors": home_selectors.home_doors(home=self, hubs=hubs, request=request),
        }


class HubPage(Page):
    """One 五进 campaign hub: the audience framing of its channel and everything tagged with it."""

    channel = models.ForeignKey(
        "portal.Channel", models.PROTECT, related_name="+", verbose_name=_("campaign channel")
    )
    audience_framing = models.TextField(
        _("audience framing"), help_text=_("Who this hub speaks to and what they can do here.")
    )
    body = StreamField(PortalStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("channel"),
        FieldPanel("audience_framing"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("audience_framing")]
    parent_page_types = ["home.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("campaign hub")
        verbose_name_plural = _("campaign hubs")

    def get_context(self, request, *args, **kwargs):
        from home import cache as fragments

        context = super().get_context(request, *args, **kwargs)
        # Events, sessions, activities and articles of the channel: one fragment shared by all.
        context["lists"] = fragments.fragment(
            name="hub-lists",
            page_id=self.pk,
            template="home/includes/hub_lists.html",
            build=self.lists_context,
            request=request,
        )
        return context

    def lists_context(self) -> dict:
        from home import selectors as home_selectors

        home = home_selectors.home_of(page=self)
        return {
            "page": self,
            "articles": home_selectors.articles_for_channel(home=home, channel=self.channel, limit=30),
            "events": home_selectors.events_upcoming(home=home, channel=self.channel, limit=6),
            "sessions": home_selectors.sessions_for_channel(home=home, channel=self.channel),
            "activities": home_selectors.activities_for_channel(home=home, channel=self.channel),
            "courses": home_selectors.courses_for_channel(home=home, channel=self.channel),
        }


class ArticleIndexPage(Page):
    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.ArticlePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("article index")
        verbose_name_plural = _("article indexes")

    def get_context(self, request, *args, **kwargs):
        from home import selectors as home_selectors

        context = super().get_context(request, *args, **kwargs)
        kind = request.GET.get("kind", "")
        kind = kind if kind in ArticleKind.values else ""
        context["kind"] = kind
        context["kinds"] = ArticleKind.choices
        context["articles"] = home_selectors.articles_latest(
            home=home_selectors.home_of(page=self), kind=kind or None, limit=50
        )
        return context


class ArticleKind(models.TextChoices):
    KNOWLEDGE = "knowledge", _("Safety knowledge")
    CASE = "case", _("Case warning")
    EXPOSURE = "exposure", _("Hazard exposure")


class ArticlePage(Page):
    """An article: 常识普及, 案例警示 or 隐患曝光 (the last one with a video)."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=ArticleKind.choices, default=ArticleKind.KNOWLEDGE
    )
    summary = models.CharField(
        _("summary"), max_length=200, help_text=_("One or two sentences, shown in lists.")
    )
    body = StreamField(PortalStreamBlock(), verbose_name=_("body"), blank=True)
    video_url = models.URLField(
        _("video address"), blank=True, help_text=_("Required for a hazard exposure.")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("share image"),
    )
    channels = ParentalManyToManyField(
        "portal.Channel", related_name="+", verbose_name=_("campaign channels")
    )
    topics = ParentalManyToManyField(
        "home.TopicPage", related_name="articles", blank=True, verbose_name=_("topics")
    )
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    area = models.ForeignKey(
        "portal.Area",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
        help_text=_("The street this article reports from, for the 五进 coverage view."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("video_url"),
        FieldPanel("image"),
        MultiFieldPanel(
            [FieldPanel("channels"), FieldPanel("topics"), FieldPanel("audience"), FieldPanel("area")],
            heading=_("Tags"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["home.ArticleIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        # No live figures on an article, only what publishing changes (which drops the cache):
        # anonymous visitors may share it longer than the pages with figures (portal/pagecache.py).
        response.page_cache_seconds = pagecache.UNCHANGING_SECONDS
        return response

    def clean(self):
        super().clean()
        if self.kind == ArticleKind.EXPOSURE and not self.video_url:
            raise ValidationError({"video_url": _("A hazard exposure needs its video.")})


class TopicIndexPage(Page):
    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.TopicPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("topic index")
        verbose_name_plural = _("topic indexes")


class TopicPage(Page):
    """A fire-safety topic (电动自行车, 燃气, 用电 …) gathering the articles tagged with it."""

    introduction = models.TextField(_("introduction"))
    body = StreamField(PortalStreamBlock(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("introduction")]
    parent_page_types = ["home.TopicIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def get_context(self, request, *args, **kwargs):
        from home import selectors as home_selectors

        context = super().get_context(request, *args, **kwargs)
        context["articles"] = home_selectors.articles_for_topic(topic=self, limit=30)
        return context


class EventIndexPage(Page):
    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["home.EventPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("event index")
        verbose_name_plural = _("event indexes")

    def get_context(self, request, *args, **kwargs):
        from home import selectors as home_selectors

        context = super().get_context(request, *args, **kwargs)
        context["events"] = home_selectors.events_upcoming(home=home_selectors.home_of(page=self), limit=50)
        return context


class EventKind(models.TextChoices):
    CAMPAIGN_MONTH = "campaign_month", _("119 fire-safety month")
    NIGHT_SCHOOL = "night_school", _("Night school")
    OPEN_DAY = "open_day", _("Fire-station open day")
    OTHER = "other", _("Other")


class EventPage(Page):
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices, default=EventKind.OTHER)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200)
    summary = models.CharField(_("summary"), max_length=200)
    body = StreamField(PortalStreamBlock(), verbose_name=_("body"), blank=True)
    channel = models.ForeignKey(
        "portal.Channel",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("campaign channel"),
    )
    area = models.ForeignKey(
        "portal.Area", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("street")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("location"),
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("channel"),
        FieldPanel("area"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    parent_page_types = ["home.EventIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def clean(self):
        super().clean()
        if self.ends_at and self.starts_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("An event cannot end before it starts.")})


class PageSearchText(models.Model):
    """Plain text of a live page, searched with a database ``LIKE``: works for Chinese on SQLite
    and PostgreSQL alike, where Wagtail's database backend does not split Chinese into words."""

    page = models.OneToOneField(Page, models.CASCADE, primary_key=True, related_name="search_text")
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("page search text")
        verbose_name_plural = _("page search texts")

    def __str__(self) -> str:
        return self.text[:50]


class TargetSnapshot(models.Model):
    """The value a target's metric reported on one day: the history behind the progress chart."""

    target = models.ForeignKey(
        "portal.Target", models.CASCADE, related_name="snapshots", verbose_name=_("target")
    )
    taken_on = models.DateField(_("date"))
    actual = models.DecimalField(_("value"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("target snapshot")
        verbose_name_plural = _("target snapshots")
        ordering = ["target", "taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["target", "taken_on"], name="target_snapshot_one_per_day"),
            models.CheckConstraint(condition=Q(actual__gte=0), name="target_snapshot_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.target} · {self.taken_on} · {self.actual}"


class HazardReport(TimeStampedModel):
    """A hazard a resident found with the home self-check, sent to the street. No name needed."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        HANDLED = "handled", _("Handled")

    area = models.ForeignKey(
        "portal.Area",
        models.PROTECT,
        related_name="+",
        limit_choices_to={"level": "street"},
        verbose_name=_("street"),
    )
    hazards = models.JSONField(_("hazards"), default=list)
    address_hint = models.CharField(
        _("where"), max_length=100, blank=True, help_text=_("e.g. building 3, unit 2")
    )
    note = models.TextField(_("note"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)

    class Meta:
        verbose_name = _("hazard report")
        verbose_name_plural = _("hazard reports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.area} · {self.created_at:%Y-%m-%d}"

    @property
    @admin.display(description=_("phone"))
    def phone_masked(self) -> str:
        return validators.mask_phone(self.phone) if self.phone else ""

    @property
    @admin.display(description=_("hazards"))
    def hazards_display(self) -> str:
        from home.selfcheck import hazard_labels

        return "；".join(hazard_labels(self.hazards))

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class Area(TimeStampedModel):
    """One node of the administrative tree 区 → 街道/乡镇 → 社区/村 → 网格.

    ``path`` is the materialised list of ancestor ids ("/1/5/23/"), so "this area and
    everything under it" is one indexed prefix match; services keep it in step with ``parent``.
    """

    class Level(models.TextChoices):
        DISTRICT = "district", _("District")
        STREET = "street", _("Street or township")
        COMMUNITY = "community", _("Community or village")
        GRID = "grid", _("Grid")

    name = models.CharField(_("name"), max_length=64)
    code = models.SlugField(
        _("code"), max_length=32, unique=True, help_text=_("Short stable code, e.g. XC for 西城.")
    )
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False)
    resident_population = models.PositiveIntegerField(
        _("resident population"), null=True, blank=True, help_text=_("常住人口, for per-capita targets.")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path", "sort_order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="district", parent__isnull=True) | ~Q(level="district"),
                name="area_district_has_no_parent",
            ),
            models.CheckConstraint(
                condition=Q(level="district") | Q(parent__isnull=False),
                name="area_non_district_has_parent",
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def district_id(self) -> int:
        return int(self.path.strip("/").split("/")[0])

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)

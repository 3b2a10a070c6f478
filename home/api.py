"""Public statistics: ``GET /api/v1/stats/targets`` — every plan target with its live value."""

from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema

from home import selectors
from portal.models import Area

router = Router(tags=["stats"])


class TargetStatOut(Schema):
    district: str
    district_name: str
    period: str
    metric: str
    metric_label: str
    kind: str
    target: Decimal
    unit: str
    actual: Decimal | None
    source: str


@router.get("/targets", response=list[TargetStatOut], summary="Plan targets and their live values")
def targets(request, district: str | None = None, year: int | None = None):
    """Public. ``district`` is a district code (e.g. ``xc``); without it every district is listed.
    ``actual`` is null while the module that measures a metric is not live (never a made-up 0)."""
    area = None
    if district:
        area = Area.objects.filter(code=district, level=Area.Level.DISTRICT).first()
        if area is None:
            return []
    return selectors.targets_stats(district=area, year=year or timezone.localdate().year)

"""Public statistics: ``GET /api/v1/stats/targets`` — every plan target with its live value."""

import re
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone
from ninja import Router, Schema

from home import cache as fragments
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


DISTRICT_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


@router.get("/targets", response=list[TargetStatOut], summary="Plan targets and their live values")
def targets(request, district: str | None = None, year: int | None = None):
    """Public. ``district`` is a district code (e.g. ``xc``); without it every district is listed.
    ``actual`` is null while the module that measures a metric is not live (never a made-up 0).
    Shared cache as the home page's progress (home/cache.py): a target change shows at once, a
    figure is at most a minute old."""
    year = year or timezone.localdate().year
    # The code and year go into a cache key: anything that cannot be a district code or a plan
    # year is answered at once (no cache entry per random string; found by the API fuzzer).
    if (district and not DISTRICT_CODE.fullmatch(district)) or not 1949 <= year <= 2200:
        return []
    key = f"home:stats-targets:{district or '*'}:{year}:{fragments.generation()}"
    rows = cache.get(key)
    if rows is None:
        area = None
        if district:
            area = Area.objects.filter(code=district, level=Area.Level.DISTRICT).first()
        rows = [] if district and area is None else selectors.targets_stats(district=area, year=year)
        cache.set(key, rows, fragments.FRAGMENT_SECONDS)
    return rows

"""The registry of target metrics: each domain module registers how it counts its metric.

``portal`` must not import the domain apps, so they register in ``AppConfig.ready()``:
``metrics.register(Metric.REGISTERED_VOLUNTEERS, registered_volunteers_count)``. A metric
nobody has registered yet reports ``None`` ("not measured yet"), never a made-up zero.
"""

from collections.abc import Callable
from decimal import Decimal

from portal.models import Area

MetricFunction = Callable[..., Decimal | int | None]
_registry: dict[str, MetricFunction] = {}


def register(metric: str, function: MetricFunction) -> None:
    _registry[metric] = function


def is_measured(metric: str) -> bool:
    return metric in _registry


def actual(metric: str, *, district: Area, year: int) -> Decimal | None:
    function = _registry.get(metric)
    if function is None:
        return None
    value = function(district=district, year=year)
    return None if value is None else Decimal(value)

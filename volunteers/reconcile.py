"""The volunteers app's reconciliation checks, registered with ``portal.reconcile`` in
``VolunteersConfig.ready``. Read-only; each yields one line per problem."""

import datetime
from collections.abc import Iterable

from volunteers import services

SAMPLE = 20


def hours_tally_matches_recount(*, cutoff: datetime.datetime) -> Iterable[str]:
    """The dashboard's kept hour aggregates (``HoursTally``, ``MonthlyHoursTally``) equal a
    recount from the approved service records."""
    return services.hours_tally_differences()[:SAMPLE]


CHECKS = {"volunteers.hours_tally": hours_tally_matches_recount}

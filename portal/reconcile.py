"""Reconciliation: after an outage, a restore or a fault drill, prove that nothing was lost.

``manage.py reconcile`` runs every registered check and exits non-zero when one reports a problem.
``portal`` imports no domain app, so the apps register their own checks in ``AppConfig.ready()``
(as they register metrics in ``portal.metrics``): ``reconcile.register("training.tally", check)``.
A check is a read-only function ``check(*, cutoff: datetime) -> Iterable[str]`` that yields one
line per problem; work younger than ``cutoff`` (now − grace) may still be in flight and is not
held against the system (a job queued a second ago is pending, not lost).

The kernel's own checks: outbox messages pending past the grace, certificates whose source record
is gone, certificates without their PDF (or whose PDF file is missing). ``expected`` rows let a
caller (the fault tests, an operator replaying an access log) name rows that must exist: every
request that got a success answer.
"""

import datetime
from collections.abc import Callable, Iterable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from portal.models import Certificate, OutboxMessage

Check = Callable[..., Iterable[str]]
_registry: dict[str, Check] = {}
SAMPLE = 20  # problems listed per check; the count is always complete


def register(name: str, check: Check) -> None:
    """Register (or replace) a check under a dotted name, e.g. ``training.tally``."""
    _registry[name] = check


def registered() -> list[str]:
    return sorted(_registry)


def run(*, grace_seconds: int = 600, expected: Iterable[dict] = ()) -> dict[str, list[str]]:
    """Every registered check (and the expected rows, when given) → its problems, by name."""
    cutoff = timezone.now() - datetime.timedelta(seconds=grace_seconds)
    results = {name: list(_registry[name](cutoff=cutoff)) for name in registered()}
    expected = list(expected)
    if expected:
        results["portal.expected_rows"] = list(expected_rows_missing(expected))
    return results


def expected_rows_missing(expected: Iterable[dict]) -> Iterable[str]:
    """Each ``{"model": "app.model", "filter": {...}, "count": 1}`` must match exactly ``count``
    rows (default 1): ``{"model": "training.booking", "filter": {"pk": 7, "status": "booked"}}``."""
    for entry in expected:
        model = apps.get_model(entry["model"])
        wanted = entry.get("count", 1)
        found = model._base_manager.filter(**entry["filter"]).count()
        if found != wanted:
            yield f"{entry['model']} {entry['filter']}: {found} rows, expected {wanted}"


# ------------------------------------------------------------------------------
# The kernel's checks
# ------------------------------------------------------------------------------
def outbox_pending(*, cutoff: datetime.datetime) -> Iterable[str]:
    """Jobs never handed to the broker although the drain has had its chance."""
    stale = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lt=cutoff).order_by("pk")
    for message in stale[:SAMPLE]:
        yield (
            f"outbox message {message.pk} ({message.task_name}) pending since "
            f"{message.created_at:%Y-%m-%d %H:%M:%S}, {message.attempts} attempts, last error: "
            f"{message.last_error or '-'}"
        )
    extra = stale.count() - SAMPLE
    if extra > 0:
        yield f"… and {extra} more pending outbox messages"


def certificate_sources(*, cutoff: datetime.datetime) -> Iterable[str]:
    """Certificates whose source record (booking, completion, hours snapshot…) no longer exists."""
    type_ids = Certificate.objects.order_by().values_list("source_type", flat=True).distinct()
    for content_type in ContentType.objects.filter(pk__in=list(type_ids)):
        model = content_type.model_class()
        label = f"{content_type.app_label}.{content_type.model}"
        certificates = Certificate.objects.filter(source_type=content_type)
        if model is None:
            yield f"{certificates.count()} certificates point at {label}, a model that no longer exists"
            continue
        orphans = certificates.exclude(source_id__in=model._base_manager.values("pk"))
        for number, source_id in orphans.values_list("number", "source_id")[:SAMPLE]:
            yield f"certificate {number}: its source {label} {source_id} is gone"


def certificate_files(*, cutoff: datetime.datetime) -> Iterable[str]:
    """Valid certificates issued before the cutoff have their PDF, and the file is on disk."""
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    valid = Certificate.objects.filter(status=Certificate.Status.VALID, created_at__lt=cutoff)
    for number in valid.filter(pdf="").values_list("number", flat=True)[:SAMPLE]:
        yield f"certificate {number}: no PDF rendered"
    for number, pdf in valid.exclude(pdf="").values_list("number", "pdf").iterator():
        if not (root / pdf).is_file():
            yield f"certificate {number}: PDF {pdf} missing on disk"


register("portal.outbox_pending", outbox_pending)
register("portal.certificate_sources", certificate_sources)
register("portal.certificate_files", certificate_files)

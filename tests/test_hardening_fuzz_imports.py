"""Hypothesis over every spreadsheet import (the only ``load_workbook`` calls in the code): the
question bank (courses) and the unit's training roster (training).

Generated workbooks mix valid rows (real question layouts, valid ID numbers and phones) with
every kind of cell openpyxl can hold (empty, text, numbers, floats, NaN-free extremes, booleans,
dates, formula-looking text) and sometimes a wrong header; plus files that are not workbooks at
all. For each: no exception; either everything is imported or nothing is (row counts of the
affected tables unchanged) and every problem is explained in Chinese with its row number.
"""

import datetime
import io
import re

import pytest
from django.utils import translation
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from portal.models import Person, Role
from portal.tests.conftest import *  # noqa: F403 - the kernel's area tree and staff
from portal.tests.factories import OrganisationFactory, resident_id_number

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# openpyxl refuses control characters in cells (IllegalCharacterError): a real workbook cannot
# hold them, so neither do the generated ones.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40) | st.sampled_from(
    ["", " ", "=1+1", "-", "@SUM(A1)", "１２３", "a" * 300, "是", "否", "单选", "判断"]
)
CELL = st.one_of(
    st.none(),
    TEXT,
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(2100, 1, 1)),
)


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


NOT_XLSX = st.sampled_from(
    [b"", b"not a workbook", b"PK\x03\x04garbage", b"%PDF-1.4", b"<html></html>", bytes(range(256))]
)


# ------------------------------------------------------------------------------
# Question bank (courses.services.questions_import_xlsx)
# ------------------------------------------------------------------------------
def _question_row(draw) -> list:
    if draw(st.booleans()):  # a plausible row
        kind = draw(st.sampled_from(["单选", "多选", "判断"]))
        options = draw(st.lists(TEXT, min_size=2, max_size=6))
        return [
            draw(st.sampled_from(["Q1", "Q2", "Q3", "", "Q1"])),
            kind,
            draw(TEXT),
            *options,
            *[""] * (6 - len(options)),
            draw(st.sampled_from(["A", "B", "AB", "ACD", "Z", "", "a,b"])),
            draw(TEXT),
            draw(TEXT),
            draw(st.sampled_from(["1", "2", "3", "", "4", 2])),
            draw(st.sampled_from(["", "xc", "nowhere", "西城区"])),
            draw(st.sampled_from(["是", "否", "", "0"])),
        ]
    return draw(st.lists(CELL, max_size=16))


@st.composite
def question_workbooks(draw):
    from courses.services import XLSX_HEADERS

    count = draw(st.integers(0, 5))
    if draw(st.integers(0, 3)) == 0:  # a valid bank, so the import's success path is fuzzed too
        texts = draw(st.lists(TEXT.filter(str.strip), min_size=2, max_size=2, unique_by=str.strip))
        return [
            list(XLSX_HEADERS),
            *[
                [
                    f"V{n}",
                    "单选",
                    draw(TEXT.filter(str.strip)),
                    *texts,
                    "",
                    "",
                    "",
                    "",
                    "A",
                    "解析",
                    draw(st.sampled_from(["", "燃气", "燃气、电动车"])),
                    "1",
                    "",
                    "是",
                ]
                for n in range(count)
            ],
        ]
    header = list(XLSX_HEADERS) if draw(st.integers(0, 9)) else draw(st.lists(TEXT, max_size=8))
    rows = [_question_row(draw) for _ in range(count)]
    return [header, *rows]


def _bank_counts():
    from courses.models import Question, QuestionOption, Topic

    return Question.objects.count(), QuestionOption.objects.count(), Topic.objects.count()


def test_question_bank_import_is_all_or_nothing_and_explains_in_chinese(district):
    """Any workbook: imported whole, or nothing changes and each problem row says why in Chinese."""
    from courses import services

    @FUZZ
    @given(rows=question_workbooks(), junk=NOT_XLSX, use_junk=st.integers(0, 9))
    def run(rows, junk, use_junk):
        before = _bank_counts()
        file = io.BytesIO(junk) if use_junk == 0 else _xlsx(rows)
        with translation.override("zh-hans"):
            report = services.questions_import_xlsx(file=file)
            messages = [str(problem.message) for error in report.errors for problem in error.problems]
        event(f"bank import ok={report.ok} created={report.created + report.updated}")
        if report.ok:
            assert report.created + report.updated >= 0
        else:
            assert _bank_counts() == before
            assert messages and all(CJK.search(message) for message in messages), messages
            assert all(error.row >= 0 for error in report.errors)

    run()


# ------------------------------------------------------------------------------
# Training roster (training.services.roster_import)
# ------------------------------------------------------------------------------
@st.composite
def roster_workbooks(draw):
    from training.services import ROSTER_HEADERS

    rows = [list(ROSTER_HEADERS)]
    valid = draw(st.integers(0, 3)) == 0  # a valid roster, so the success path is fuzzed too
    for n in range(draw(st.integers(0, 6))):
        if valid:
            birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 15000)))
            rows.append([f"员工{n}", f"1391234{n:04d}", resident_id_number(birth=birth, sequence=100 + n), 4])
        elif draw(st.booleans()):
            birth = draw(st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2005, 1, 1)))
            rows.append(
                [
                    draw(st.sampled_from(["张三", "李四", "", " ", "王五"])),
                    draw(st.sampled_from(["13912340001", "1391234000", "", "+8613912340002", 13912340003])),
                    draw(
                        st.sampled_from(
                            [resident_id_number(birth=birth, sequence=n), "110102199001011234", "", "X" * 18]
                        )
                    ),
                    draw(st.sampled_from([1, 4, 7, 9, "4", "物业", "", None, 4.0])),
                ]
            )
        else:
            rows.append(draw(st.lists(CELL, max_size=6)))
    return rows


def test_roster_import_is_all_or_nothing_and_explains_in_chinese(street, make_user):
    """Any roster: everybody booked, or nobody (no booking, no person created) and each bad row
    is reported with its row number and a Chinese reason."""
    from training import services
    from training.models import Booking
    from training.tests.factories import SessionFactory, VenueFactory

    manager = make_user(Role.UNIT_MANAGER, street)
    organisation = OrganisationFactory(area=street)
    organisation.managers.add(manager)
    session = SessionFactory(venue=VenueFactory(area=street), capacity=500)

    @FUZZ
    @given(rows=roster_workbooks(), junk=NOT_XLSX, use_junk=st.integers(0, 9))
    def run(rows, junk, use_junk):
        before = (Booking.objects.count(), Person.objects.count())
        file = io.BytesIO(junk) if use_junk == 0 else _xlsx(rows)
        with translation.override("zh-hans"):
            result = services.roster_import(
                session=session, file=file, booked_by=manager, organisation=organisation
            )
            messages = [str(error.message) for error in result.errors]
        event(f"roster ok={result.ok} booked={len(result.bookings)}")
        if result.ok:
            assert Booking.objects.count() >= before[0]
        else:
            assert result.bookings == []
            assert (Booking.objects.count(), Person.objects.count()) == before
            assert all(CJK.search(message) for message in messages), messages

    run()

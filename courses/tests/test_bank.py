"""Question bank xlsx: good file imports; a bad one imports nothing and names its rows; round trip."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from courses import services
from courses.models import Question, QuestionOption, Topic
from courses.tests.factories import QuestionFactory, TopicFactory
from portal.errors import PortalError

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")

GOOD = [
    [
        "Q1",
        "单选",
        "火警电话是？",
        "110",
        "119",
        "120",
        "",
        "",
        "",
        "B",
        "119是火警电话。",
        "报警",
        1,
        "",
        "是",
    ],
    [
        "Q2",
        "多选",
        "燃气泄漏时不能做什么？",
        "开灯",
        "打电话",
        "开窗",
        "",
        "",
        "",
        "AB",
        "会产生电火花。",
        "燃气、用电",
        2,
        "",
        "是",
    ],
    [
        "Q3",
        "判断",
        "电动车可以进楼充电。",
        "正确",
        "错误",
        "",
        "",
        "",
        "",
        "B",
        "不进楼入户。",
        "电动车",
        1,
        "",
        "否",
    ],
]


def workbook(rows, headers=None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers or services.XLSX_HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_good_file_imports_every_row():
    report = services.questions_import_xlsx(file=workbook(GOOD))
    assert report.ok and (report.created, report.updated) == (3, 0)
    q2 = Question.objects.get(code="Q2")
    assert q2.kind == "multiple" and q2.difficulty == 2
    assert [(o.text, o.is_correct) for o in q2.options.order_by("sort_order")] == [
        ("开灯", True),
        ("打电话", True),
        ("开窗", False),
    ]
    assert sorted(t.name for t in q2.topics.all()) == ["燃气", "用电"]
    assert Question.objects.get(code="Q3").is_active is False


def test_bad_file_imports_nothing_and_names_each_bad_row():
    bad = [
        GOOD[0],
        ["Q2", "多选", "只有一个正确答案", "甲", "乙", "", "", "", "", "A", "解析", "", 1, "", "是"],
        ["Q9", "填空", "题型不对", "甲", "乙", "", "", "", "", "A", "解析", "", 1, "", "是"],
        GOOD[2],
        ["Q1", "单选", "编号重复", "甲", "乙", "", "", "", "", "C", "", "", 5, "zz", "是"],
    ]
    report = services.questions_import_xlsx(file=workbook(bad))
    assert not report.ok
    assert [e.row for e in report.errors] == [3, 4, 6]
    assert "题型" in report.errors[1].message
    assert "Q1" in report.errors[2].message and "zz" in report.errors[2].message
    assert [p.column for p in report.errors[0].problems] == ["正确答案"]
    assert [p.column for p in report.errors[2].problems] == ["编号", "正确答案", "解析", "难度", "适用区"]
    assert (
        Question.objects.count() == 0 and QuestionOption.objects.count() == 0 and Topic.objects.count() == 0
    )


def test_cells_longer_than_their_columns_are_row_errors_and_import_nothing():
    """Found by the import fuzzer on PostgreSQL (SQLite does not enforce varchar widths): a 300-character
    option, a 40-character code or tag was a database error; now each is its row's problem in Chinese."""
    too_long = [
        GOOD[0],
        ["Q" * 40, "单选", "编号太长", "甲", "乙", "", "", "", "", "A", "解析", "", 1, "", "是"],
        ["Q5", "单选", "选项太长", "甲" * 300, "乙", "", "", "", "", "A", "解析", "标" * 40, 1, "", "是"],
    ]
    report = services.questions_import_xlsx(file=workbook(too_long))
    assert not report.ok
    assert [e.row for e in report.errors] == [3, 4]
    assert [p.column for p in report.errors[0].problems] == ["编号"]
    assert [p.column for p in report.errors[1].problems] == ["选项A", "标签"]
    assert all(CJK.search(p.message) for e in report.errors for p in e.problems)
    assert Question.objects.count() == 0 and Topic.objects.count() == 0


def test_wrong_headers_or_not_a_workbook_are_reported():
    assert services.questions_import_xlsx(file=workbook(GOOD, headers=["a", "b"])).errors[0].row == 1
    assert services.questions_import_xlsx(file=io.BytesIO(b"not a workbook")).errors[0].row == 0


def test_export_then_import_round_trips():
    gas = TopicFactory(name="燃气", slug="gas")
    QuestionFactory(code="A1", topics=[gas], difficulty=3)
    QuestionFactory(code="A2", kind="true_false", options=[("正确", False), ("错误", True)], is_active=False)
    QuestionFactory(
        code="A3", kind="multiple", options=[("甲", True), ("乙", True), ("丙", False), ("丁", True)]
    )
    before = services.questions_export_xlsx()
    rows = list(load_workbook(io.BytesIO(before)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(services.XLSX_HEADERS) and [r[0] for r in rows[1:]] == ["A1", "A2", "A3"]
    assert rows[3][9] == "ABD"
    option_ids = set(QuestionOption.objects.values_list("pk", flat=True))
    report = services.questions_import_xlsx(file=io.BytesIO(before))
    assert report.ok and (report.created, report.updated) == (0, 3)
    assert set(QuestionOption.objects.values_list("pk", flat=True)) == option_ids  # updated in place
    after = services.questions_export_xlsx()
    assert list(load_workbook(io.BytesIO(after)).active.iter_rows(values_only=True)) == rows
    # Into an empty bank it recreates the same questions.
    Question.objects.all().delete()
    assert services.questions_import_xlsx(file=io.BytesIO(before)).created == 3
    again = list(
        load_workbook(io.BytesIO(services.questions_export_xlsx())).active.iter_rows(values_only=True)
    )
    assert again == rows


def test_option_rules():
    with pytest.raises(PortalError) as exc:
        services.question_options_validate(kind="true_false", options=[("对", True), ("错", True)])
    assert exc.value.code == "QUESTION_OPTIONS_INVALID"
    with pytest.raises(PortalError):
        services.question_options_validate(kind="single", options=[("甲", True), ("甲", False)])
    services.question_options_validate(kind="multiple", options=[("甲", True), ("乙", True)])


def _report_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_refused_import_offers_the_row_by_row_report_as_xlsx_in_chinese(client, district):
    """The editor sees each bad row on the page and downloads the same problems as an xlsx file
    (行号, 列, 问题), one line per problem; nothing was imported."""
    from django.urls import reverse

    from portal.models import Role
    from portal.roles import sync_role_permissions
    from portal.services import role_assign
    from portal.tests.factories import UserFactory

    sync_role_permissions()
    editor = UserFactory()
    role_assign(user=editor, role=Role.EDITOR, area=district)
    client.force_login(editor)
    bad = [
        GOOD[0],
        ["Q2", "多选", "只有一个正确答案", "甲", "乙", "", "", "", "", "A", "解析", "", 1, "", "是"],
        ["Q1", "单选", "", "甲", "甲", "", "", "", "", "A", "", "", 1, "", "是"],
    ]
    upload = workbook(bad)
    upload.name = "bank.xlsx"
    page = client.post(reverse("courses_questions_import"), {"file": upload})
    assert page.status_code == 200
    html = page.content.decode()
    assert "没有导入任何题目" in html and "第 3 行" in html and "第 4 行" in html
    assert Question.objects.count() == 0
    url = page.context["report_url"]
    assert url and url in html
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _report_rows(download.content)
    assert rows[0] == ("行号", "列", "问题")
    assert [(row, column) for row, column, _problem in rows[1:]] == [
        (3, "正确答案"),
        (4, "编号"),
        (4, "选项A–B"),
        (4, "题目"),
        (4, "解析"),
    ]
    assert all(CJK.search(problem) for _row, _column, problem in rows[1:])  # the problems in Chinese
    assert "Q1" in rows[2][2] and "第 2 行" in rows[2][2]
    # Another session (or a guessed token) gets nothing; a resident is sent to the admin log-in.
    other = UserFactory()
    role_assign(user=other, role=Role.EDITOR, area=district)
    client.force_login(other)
    assert client.get(url).status_code == 404
    resident = UserFactory()
    client.force_login(resident)
    refused = client.get(url)
    assert refused.status_code == 302 and refused["Location"].startswith("/admin/login/")

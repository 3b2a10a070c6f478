"""THE courses journey in a real headless Chromium on a 360 px phone:

an anonymous resident opens a course, reads a lesson and marks it learned, takes the course quiz
with the keyboard alone (Tab into each question, arrows/Space to choose the options the database
knows are right, Enter on 交卷; focus visible throughout), checks the countdown, hands in and sees
the score with every explanation →
logs in through the real log-in form → the lesson and the attempt made before are now the
account's → learns the last lesson, which completes the course → downloads the course
certificate: pdftotext finds the masked name, masked ID and the number; zxingcpp decodes the QR to
the kernel's verification URL. The answer sheet's HTML, read before hand-in, holds no correct
answer and no explanation.

Screenshots (phone and desktop) land in test-artifacts/screenshots/courses-*.png; the guide's
copies in docs/guide/img/courses-*.png.
"""

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.guide import GUIDE_IMG

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
PASSWORD = "correct-horse-119"
REPO = Path(__file__).resolve().parent.parent

QUESTIONS = [
    (
        "J001",
        "single",
        "发现火灾后应当拨打的报警电话是？",
        [("119", True), ("110", False), ("120", False)],
        "火警电话是 119，拨通后讲清地址和起火物。",
    ),
    (
        "J002",
        "true_false",
        "电动自行车可以在楼道内停放充电。",
        [("正确", False), ("错误", True)],
        "楼道是疏散通道，电动自行车在楼道充电起火会堵住逃生路线。",
    ),
    (
        "J003",
        "multiple",
        "油锅起火时，正确的做法有哪些？",
        [("盖上锅盖", True), ("关闭燃气阀门", True), ("用水浇灭", False)],
        "油锅起火切勿用水浇，应盖锅盖窒息灭火并关闭气源。",
    ),
    (
        "J004",
        "single",
        "使用干粉灭火器时，喷嘴应对准？",
        [("火焰根部", True), ("火焰顶部", False), ("烟雾", False)],
        "对准火焰根部喷射才能有效扑灭火焰。",
    ),
    (
        "J005",
        "single",
        "火场逃生时，正确的姿势是？",
        [("用湿毛巾捂住口鼻低姿前进", True), ("乘坐电梯", False), ("直立奔跑", False)],
        "烟气向上聚集，低姿前进并捂住口鼻可减少吸入烟气，火灾时不能乘电梯。",
    ),
    (
        "J006",
        "true_false",
        "家中燃气泄漏时应立即开灯检查。",
        [("正确", False), ("错误", True)],
        "开关电器会产生电火花，应先关阀门、开窗通风。",
    ),
]


@pytest.fixture
def world(db, settings, live_server, tmp_path):
    """西城区 with its home page as the default site, a course catalogue with a 进家庭 course of two
    lessons and a final quiz of 5 questions drawn from a bank of 6, and a resident with an account
    and a real-name identity."""
    from wagtail.models import Page, Site

    from courses import services as courses
    from courses.models import CourseIndexPage, CoursePage, LessonPage, QuizPage
    from home.models import HomePage
    from portal import services as kernel
    from portal.models import Channel, Role, User
    from portal.tests.factories import resident_id_number, wagtail_root

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PORTAL_BASE_URL = live_server.url
    wagtail_root()
    district = kernel.area_create(name="西城区", code="cxc", resident_population=1_106_000)
    street = kernel.area_create(
        name="金融街街道", code="cxc-jrj", parent=district, resident_population=120_000
    )
    home = HomePage(title="西城区消防宣教", slug="cxc-home", district=district)
    Page.get_first_root_node().add_child(instance=home)
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)

    def publish(parent, page):
        parent.add_child(instance=page)
        page.save_revision().publish()
        return page

    channel, _created = Channel.objects.get_or_create(code="home", defaults={"name": "进家庭"})
    index = publish(
        home,
        CourseIndexPage(
            title="在线学习", slug="learn", district=district, introduction="学消防知识，考一考自己。"
        ),
    )
    course = publish(
        index,
        CoursePage(
            title="家庭防火",
            slug="home-fire",
            summary="居家用火、用电、用气的安全常识。",
            channel=channel,
            duration_minutes=20,
        ),
    )
    body = [
        ("heading", "厨房用火"),
        ("paragraph", "<p>做饭时人不离锅。油锅起火时，立即盖上锅盖并关闭燃气阀门，切勿用水浇。</p>"),
        ("callout", {"title": "记住", "text": "发现火情，立即拨打 119。"}),
    ]
    lessons = [
        publish(
            course,
            LessonPage(title="厨房防火", slug="kitchen", summary="人走火灭，油锅起火盖锅盖。", body=body),
        ),
        publish(
            course,
            LessonPage(title="电动自行车安全", slug="ebike", summary="不进楼道、不飞线充电。", body=body),
        ),
    ]
    quiz = publish(
        course,
        QuizPage(
            title="家庭防火小测验",
            slug="quiz",
            question_count=5,
            time_limit_minutes=15,
            pass_mark=60,
            attempts_per_round=3,
            min_seconds=0,
        ),
    )
    for code, kind, text, options, explanation in QUESTIONS:
        courses.question_save(code=code, kind=kind, text=text, explanation=explanation, options=options)

    user = User.objects.create_user(username="liuyang", password=PASSWORD, display_name="刘洋")
    kernel.role_assign(user=user, role=Role.RESIDENT)
    number = resident_id_number(birth=datetime.date(1975, 9, 3), sequence=31)
    person = kernel.person_create(name="刘洋", id_number=number, area=street, user=user)
    return {
        "base": live_server.url,
        "index": index,
        "course": course,
        "lessons": lessons,
        "quiz": quiz,
        "user": user,
        "person": person,
        "district": district,
    }


def _shot(page, screenshots_dir: Path, name: str, *, guide: bool = False) -> None:
    path = screenshots_dir / f"courses-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if guide:
        GUIDE_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, GUIDE_IMG / f"courses-{name}.png")


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"horizontal overflow at 360 px: {width} px"


def _correct_option_ids(attempt) -> dict[int, list[int]]:
    from courses.models import QuestionOption

    question_ids = [item["q"] for item in attempt.drawn]
    right: dict[int, list[int]] = {}
    for question_id, option_id in QuestionOption.objects.filter(
        question_id__in=question_ids, is_correct=True
    ).values_list("question_id", "pk"):
        right.setdefault(question_id, []).append(option_id)
    return right


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _qr_codes(path: Path, workdir: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    prefix = workdir / "certificate-page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(prefix)], check=True
    )
    (png,) = workdir.glob("certificate-page*.png")
    with Image.open(png) as image:
        return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def test_resident_learns_takes_the_quiz_logs_in_and_gets_the_certificate(
    chromium, world, screenshots_dir, tmp_path
):
    from courses.models import Attempt, Learner, LessonProgress
    from portal import services as kernel
    from portal.models import Certificate

    base = world["base"]
    context = chromium.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # ---- the catalogue and the course, anonymous ------------------------------------------
        page.goto(base + world["index"].url)
        assert page.locator("h1").inner_text() == "在线学习"
        _no_horizontal_scroll(page)
        _shot(page, screenshots_dir, "catalogue-phone", guide=True)
        page.get_by_role("link", name="家庭防火").first.click()
        page.wait_for_url("**/home-fire/")
        assert page.locator(".crs-status--todo").count() == 2  # both lessons not learned yet
        assert "进家庭" in page.locator(".crs-tags").first.inner_text()
        _no_horizontal_scroll(page)
        _shot(page, screenshots_dir, "course-phone", guide=True)

        # ---- read the first lesson and mark it learned ----------------------------------------
        page.get_by_role("link", name="1. 厨房防火").click()
        page.wait_for_url("**/kitchen/")
        assert "切勿用水浇" in page.locator("article").inner_text()
        _no_horizontal_scroll(page)
        _shot(page, screenshots_dir, "lesson-phone", guide=True)
        page.get_by_role("button", name="我已学完本课时").click()
        page.wait_for_url("**/ebike/")  # on to the next lesson
        assert "已标记为已学习" in page.locator(".messages").inner_text()
        page.goto(base + world["course"].url)
        assert page.locator(".crs-status--done").count() == 1

        # ---- the quiz: rules, then the answer sheet --------------------------------------------
        page.get_by_role("link", name="去答题").first.click()
        page.wait_for_url("**/quiz/")
        rules = page.locator(".crs-facts").inner_text()
        assert "5 道题" in rules and "15 分钟" in rules and "60 分" in rules
        assert page.locator("[data-attempts-left]").inner_text() == "3"
        _shot(page, screenshots_dir, "quiz-start-phone", guide=True)
        page.get_by_role("button", name="开始答题").click()
        page.wait_for_url("**/learning/attempts/*/")

        html = page.content()
        for marker in ("is_correct", "explanation", "解析", "火警电话是 119", "切勿用水浇灭", "data-correct"):
            assert marker not in html, marker
        attempt = Attempt.objects.get()
        assert attempt.learner.user is None  # anonymous so far
        right = _correct_option_ids(attempt)
        for item in attempt.drawn:
            for option_id in item["o"]:
                assert f'value="{option_id}"' in html

        clock = page.locator("[data-quiz-clock]")
        assert re.fullmatch(r"1[45]:\d\d", clock.inner_text()), clock.inner_text()
        page.wait_for_timeout(1100)
        assert re.fullmatch(r"14:\d\d", clock.inner_text()), clock.inner_text()
        _no_horizontal_scroll(page)
        _shot(page, screenshots_dir, "quiz-sheet-phone", guide=True)

        # The whole answer sheet with the keyboard alone: Tab from the top of the page into the
        # first question, then per question arrows + Space (radios) or Space + Tab (checkboxes),
        # Tab on to the next question, and Enter on the submit button. Focus must stay visible.
        def focused() -> str:
            return page.evaluate(
                "document.activeElement && (document.activeElement.id || document.activeElement.type)"
            )

        first = attempt.drawn[0]
        for _ in range(40):
            page.keyboard.press("Tab")
            if focused() == f"q{first['q']}-o{first['o'][0]}":
                break
        else:
            raise AssertionError(f"Tab never reached the first question (stuck at {focused()!r})")
        for number, item in enumerate(attempt.drawn, start=1):
            target_ids = set(right[item["q"]])
            assert focused() == f"q{item['q']}-o{item['o'][0]}", (number, focused())
            outline = page.evaluate("getComputedStyle(document.activeElement.closest('label')).outlineStyle")
            assert outline != "none", f"question {number}: no visible focus"
            if len(target_ids) == 1:  # radios: arrows move and choose, Space confirms
                (target,) = target_ids
                for _ in range(item["o"].index(target)):
                    page.keyboard.press("ArrowDown")
                page.keyboard.press("Space")
                page.keyboard.press("Tab")  # one Tab stop per radio group
            else:  # checkboxes: a Tab stop each, Space ticks the right ones
                for option_id in item["o"]:
                    if option_id in target_ids:
                        page.keyboard.press("Space")
                    page.keyboard.press("Tab")
            for option_id in item["o"]:
                checked = page.locator(f"#q{item['q']}-o{option_id}").is_checked()
                assert checked == (option_id in target_ids), (number, option_id)
        assert "已答 5 题，共 5 题" in page.locator("[data-quiz-answered]").inner_text()
        assert page.evaluate("document.activeElement.textContent.trim()") == "交卷"
        page.keyboard.press("Enter")
        page.wait_for_url("**/result/")

        # ---- the result: score, explanations, right answers ------------------------------------
        assert page.locator(".crs-score").inner_text() == "100 分"
        assert "已通过" in page.locator("[data-result]").inner_text()
        explanations = page.locator(".crs-explanation")
        assert explanations.count() == 5
        assert page.locator(".crs-review__item").count() == 5
        _no_horizontal_scroll(page)
        _shot(page, screenshots_dir, "quiz-result-phone", guide=True)
        attempt.refresh_from_db()
        assert attempt.score == 100 and attempt.passed
        result_url = page.url

        # ---- log in: what was done before becomes the account's --------------------------------
        page.locator(".crs-box--note").get_by_role("link", name="登录").click()
        page.wait_for_url("**/accounts/login/**")
        _shot(page, screenshots_dir, "login-phone")
        page.locator("input[name=login]").fill("liuyang")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form").filter(has=page.locator("input[name=password]")).locator(
            "button[type=submit]"
        ).click()
        page.wait_for_url("**/result/")
        attempt.refresh_from_db()
        learner = Learner.objects.get(user=world["user"])
        assert attempt.learner_id == learner.pk
        assert LessonProgress.objects.filter(learner=learner, lesson=world["lessons"][0]).exists()
        assert not Learner.objects.filter(user__isnull=True).exists()  # the anonymous learner was merged

        # ---- the last lesson completes the course → certificate --------------------------------
        page.goto(base + world["lessons"][1].url)
        page.get_by_role("button", name="我已学完本课时").click()
        page.wait_for_load_state()
        page.goto(base + world["course"].url)
        assert page.locator(".crs-status--done").count() == 2
        assert "您已完成本课程" in page.locator("main").inner_text()
        link = page.get_by_role("link", name="下载课程结业证书（PDF）")
        assert link.is_visible()
        _no_horizontal_scroll(page)
        _shot(page, screenshots_dir, "course-completed-phone", guide=True)

        certificate = Certificate.objects.get(holder=world["person"])
        response = page.request.get(base + link.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        pdf = tmp_path / "course-certificate.pdf"
        pdf.write_bytes(response.body())
        text = _pdf_text(pdf)
        assert certificate.number in text
        assert certificate.holder_name_masked in text and certificate.holder_name_masked != "刘洋"
        assert certificate.holder_id_masked in text
        assert world["person"].id_number not in text  # never the full ID number
        assert "家庭防火" in text
        assert _qr_codes(pdf, tmp_path) == [kernel.certificate_verify_url(certificate=certificate)]
        assert errors == [], errors

        # ---- the same pages on a desktop --------------------------------------------------------
        desktop = chromium.new_context(viewport=DESKTOP, device_scale_factor=1, locale="zh-CN")
        try:
            desktop.add_cookies(context.cookies())
            other = desktop.new_page()
            other.goto(base + world["course"].url)
            _shot(other, screenshots_dir, "course-completed-desktop", guide=True)
            other.goto(result_url)
            _shot(other, screenshots_dir, "quiz-result-desktop")
        finally:
            desktop.close()
    finally:
        context.close()


def test_district_admin_dashboard_in_chromium(chromium, world, screenshots_dir):
    """The statistics page on a phone and a desktop, with its charts drawn from vendored chart.js."""
    from django.test import Client

    from courses import services as courses
    from portal import services as kernel
    from portal.models import Role, User

    learner = courses.learner_resolve(user=None, session={}, create=True)
    courses.lesson_complete(learner=learner, lesson=world["lessons"][0])
    admin = User.objects.create_user(username="cadmin", password=PASSWORD, display_name="王建国")
    kernel.role_assign(user=admin, role=Role.DISTRICT_ADMIN, area=world["district"])
    client = Client()
    client.force_login(admin)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context = chromium.new_context(viewport=viewport, device_scale_factor=1, locale="zh-CN")
        try:
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": world["base"]}]
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.goto(world["base"] + "/learning/dashboard/")
            assert "学习统计" in page.locator("h1").inner_text()
            assert page.locator("text=金融街街道").first.is_visible()
            page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length > 0")
            if viewport is PHONE:
                _no_horizontal_scroll(page)
            _shot(page, screenshots_dir, f"dashboard-{name}", guide=True)
            assert errors == [], errors
        finally:
            context.close()


def _bank_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    from courses.services import XLSX_HEADERS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(XLSX_HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_editor_imports_the_question_bank_in_the_admin(chromium, world, screenshots_dir, tmp_path):
    """A file with one bad row imports nothing and names the row; the corrected file imports."""
    from django.test import Client

    from courses.models import Question
    from portal import services as kernel
    from portal.models import Role, User
    from portal.roles import sync_role_permissions

    sync_role_permissions()  # the transactional flush emptied the role groups' permissions
    editor = User.objects.create_user(username="ceditor", password=PASSWORD, display_name="吴芳")
    kernel.role_assign(user=editor, role=Role.EDITOR, area=world["district"])
    client = Client()
    client.force_login(editor)
    good = [
        "K001",
        "单选",
        "家用灭火器多久检查一次压力表？",
        "每月",
        "每五年",
        "",
        "",
        "",
        "",
        "A",
        "压力表指针在绿区才有效，建议每月看一次。",
        "灭火器",
        1,
        "",
        "是",
    ]
    bad = [
        "K002",
        "单选",
        "楼道里可以堆放杂物吗？",
        "可以",
        "不可以",
        "",
        "",
        "",
        "",
        "C",
        "楼道是疏散通道。",
        "家庭逃生",
        1,
        "",
        "是",
    ]
    before = Question.objects.count()

    context = chromium.new_context(viewport=DESKTOP, device_scale_factor=1, locale="zh-CN")
    try:
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": world["base"]}]
        )
        page = context.new_page()
        page.goto(world["base"] + "/admin/courses/questions/import/")
        page.locator("input[type=file]").set_input_files(str(_bank_xlsx(tmp_path / "bad.xlsx", [good, bad])))
        page.get_by_role("button", name="导入").click()
        page.wait_for_load_state()
        alert = page.get_by_role("alert").filter(has_text="没有导入任何题目")
        assert "第 3 行" in alert.inner_text()
        assert Question.objects.count() == before  # all or nothing
        with page.expect_download() as download_info:
            alert.get_by_role("link", name="下载问题清单（xlsx：行号、列、问题）").click()
        report = download_info.value
        from openpyxl import load_workbook

        assert report.suggested_filename == "question-import-problems.xlsx"
        report.save_as(tmp_path / "problems.xlsx")
        rows = list(load_workbook(tmp_path / "problems.xlsx").active.iter_rows(values_only=True))
        assert rows[0] == ("行号", "列", "问题")
        assert [(row, column) for row, column, _problem in rows[1:]] == [(3, "正确答案")]
        _shot(page, screenshots_dir, "editor-import-errors-desktop", guide=True)

        bad[9] = "B"
        page.locator("input[type=file]").set_input_files(str(_bank_xlsx(tmp_path / "good.xlsx", [good, bad])))
        page.get_by_role("button", name="导入").click()
        page.wait_for_load_state()
        assert "已导入：新增 2 题" in page.locator("body").inner_text()
        assert Question.objects.count() == before + 2
        _shot(page, screenshots_dir, "editor-bank-desktop", guide=True)
    finally:
        context.close()

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from home import selectors
from home.models import HazardReport
from home.tests.factories import article_create
from portal.models import Area, Channel, User

pytestmark = pytest.mark.django_db

URL = "/admin/campaign/coverage/"
COVERAGE_VIEW_QUERIES = 15  # session, user, roles, permissions, admin menu, the selector's five


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _row(rows, code: str):
    return next(row for row in rows if row.street.code == code)


# The demo seed lies years before this day, so only what a test adds falls in the 90 days.
TODAY = "2031-03-15 10:00 +08:00"  # window: 2030-12-15 00:00 to 2031-03-16 00:00, Beijing time
CHANNEL_CODES = ["enterprise", "countryside", "community", "school", "family"]


def _days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _session(*, venue, area, channel: str, starts_at, status=None):
    from training.models import Session
    from training.tests.factories import SessionFactory

    return SessionFactory(
        venue=venue,
        area=area,
        channel=Channel.objects.get(code=channel),
        starts_at=starts_at,
        status=status or Session.Status.OPEN,
        items=[],
    )


def _activity(*, team, area, channel: str, starts_at, cancelled=False):
    from volunteers.tests import factories as volunteer_factories

    activity = volunteer_factories.activity(
        team=team, start=starts_at, area=area, channel=Channel.objects.get(code=channel)
    )
    if cancelled:
        activity.status = activity.Status.CANCELLED
        activity.save(update_fields=["status"])
    return activity


@pytest.fixture
def in_2031(seed_output, time_machine):
    time_machine.move_to(TODAY, tick=False)


@pytest.fixture
def coverage_data(in_2031, xc_articles):
    """Hand-made records around 金融街 (and 天桥), with the cells they should fill."""
    from training.tests.factories import VenueFactory
    from volunteers.tests import factories as volunteer_factories

    jrj, fs, tq = (Area.objects.get(code=code) for code in ("xc-jrj", "xc-jrj-fs", "xc-tq"))
    ch = {code: Channel.objects.get(code=code) for code in CHANNEL_CODES}
    # articles: 进社区+进家庭 at the street; 进社区 from a community below it
    article_create(index=xc_articles, title="甲", channels=[ch["community"], ch["family"]], area=jrj)
    article_create(
        index=xc_articles, title="乙", channels=[ch["community"]], area=fs, first_published_at=_days_ago(30)
    )
    article_create(  # too old
        index=xc_articles, title="丙", channels=[ch["school"]], area=jrj, first_published_at=_days_ago(100)
    )
    article_create(index=xc_articles, title="丁", channels=[ch["school"]], area=jrj, publish=False)  # draft
    article_create(index=xc_articles, title="戊", channels=[ch["enterprise"]], area=tq)
    # sessions: two 进企业 at 金融街 (20 days ago, and later today), a cancelled one, a future one
    venue = VenueFactory(area=jrj)
    _session(venue=venue, area=jrj, channel="enterprise", starts_at=_days_ago(20))
    _session(venue=venue, area=fs, channel="enterprise", starts_at=_days_ago(-4 / 24))  # later today
    _session(venue=venue, area=jrj, channel="school", starts_at=_days_ago(3), status="cancelled")
    _session(venue=venue, area=jrj, channel="countryside", starts_at=_days_ago(-3))
    # activities: 进家庭 at the street, 进学校 in the community, one too old, one cancelled
    team = volunteer_factories.team(area=jrj)
    _activity(team=team, area=jrj, channel="family", starts_at=_days_ago(7))
    _activity(team=team, area=fs, channel="school", starts_at=_days_ago(60))
    _activity(team=team, area=jrj, channel="countryside", starts_at=_days_ago(95))
    _activity(team=team, area=jrj, channel="countryside", starts_at=_days_ago(5), cancelled=True)
    return {
        # (articles, sessions, activities) per channel: 进企业 进农村 进社区 进学校 进家庭
        "xc-jrj": [(0, 2, 0), (0, 0, 0), (2, 0, 0), (0, 0, 1), (1, 0, 1)],
        "xc-tq": [(1, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0)],
    }


def _cells(row) -> list[tuple[int, int, int]]:
    return [(cell.articles, cell.sessions, cell.activities) for cell in row.cells]


def test_counts_articles_sessions_and_activities_per_street_and_channel_in_90_days(coverage_data):
    channels, rows = selectors.coverage(user=_user("district_admin"))

    assert [channel.code for channel in channels] == CHANNEL_CODES
    assert len(rows) == 15  # every 西城 street
    assert _cells(_row(rows, "xc-jrj")) == coverage_data["xc-jrj"]
    assert _row(rows, "xc-jrj").blind_spots == 1  # 进农村: nothing
    assert _cells(_row(rows, "xc-tq")) == coverage_data["xc-tq"]
    assert _row(rows, "xc-tq").blind_spots == 4
    assert _cells(_row(rows, "xc-xjk")) == [(0, 0, 0)] * 5
    assert sum(row.blind_spots for row in rows) == 15 * 5 - 5


def test_street_coordinator_sees_only_their_street(coverage_data):
    _channels, rows = selectors.coverage(user=_user("street_coordinator"))

    assert [row.street.code for row in rows] == ["xc-jrj"]
    assert _cells(rows[0]) == coverage_data["xc-jrj"]


def test_coverage_view_shows_three_counts_and_highlights_blind_spots(client, coverage_data):
    client.force_login(_user("district_admin"))

    response = client.get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "“五进”覆盖情况" in content
    assert "新街口街道" in content
    assert content.count('class="coverage-blind"') == 15 * 5 - 5
    assert 'data-articles="2" data-sessions="0" data-activities="0"' in content  # 金融街 · 进社区
    assert "文章 2" in content and "培训 2" in content and "活动 1" in content


def test_coverage_xlsx_export(client, coverage_data):
    client.force_login(_user("street_coordinator"))

    response = client.get(URL, {"format": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("街道", "进企业", None, None, "进农村")
    assert rows[1][1:4] == ("文章", "培训场次", "志愿服务活动")
    assert rows[2] == ("金融街街道", 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 0, 1, 1)
    assert sheet.cell(row=3, column=5).fill.fgColor.rgb.endswith("FFCDD2")  # 进农村: blind
    assert not sheet.cell(row=3, column=2).fill.fgColor.rgb.endswith("FFCDD2")


def test_coverage_view_query_count_is_the_same_whatever_the_data_size(client, coverage_data, xc_articles):
    from training.tests.factories import VenueFactory
    from volunteers.tests import factories as volunteer_factories

    client.force_login(_user("district_admin"))
    client.get(URL)  # session and permissions loaded once
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200

    streets = list(Area.objects.filter(code__startswith="xc-", level=Area.Level.STREET))
    channels = list(Channel.objects.filter(code__in=CHANNEL_CODES))
    for n, street in enumerate(streets):
        channel = channels[n % len(channels)]
        article_create(index=xc_articles, title=f"覆盖{n}", channels=[channel], area=street)
        venue = VenueFactory(area=street)
        team = volunteer_factories.team(area=street)
        for days in (1, 10, 40):
            _session(venue=venue, area=street, channel=channel.code, starts_at=_days_ago(days))
            _activity(team=team, area=street, channel=channel.code, starts_at=_days_ago(days))
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL).status_code == 200

    assert len(large) == len(small) <= COVERAGE_VIEW_QUERIES, [q["sql"] for q in large]
    _channels, rows = selectors.coverage(user=_user("district_admin"))
    assert sum(row.blind_spots for row in rows) < 15 * 5 - 5


def test_coverage_selector_runs_five_queries(coverage_data, django_assert_num_queries):
    user = _user("district_admin")
    user.role_codes, user.area  # noqa: B018 — a request has loaded the user's roles and area

    with django_assert_num_queries(5):
        selectors.coverage(user=user)


def test_coverage_view_refuses_residents(client, xc):
    client.force_login(_user("resident"))

    assert client.get(URL).status_code in (302, 403)


def test_hazard_reports_in_the_admin_are_scoped_and_masked(client, xc):
    jrj, xjk = Area.objects.get(code="xc-jrj"), Area.objects.get(code="xc-xjk")
    HazardReport.objects.create(
        area=jrj, hazards=["ebike_indoor"], phone="13812345678", address_hint="金融街7号楼"
    )
    HazardReport.objects.create(area=xjk, hazards=["flying_wire"], address_hint="新街口3号楼")
    client.force_login(_user("street_coordinator"))

    response = client.get("/admin/snippets/home/hazardreport/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "金融街7号楼" in content
    listing = content.split('<table class="listing')[1].split("</thead>")[0]
    headers = [re.sub(r"<[^>]+>|\s", "", th) for th in re.findall(r"<th[^>]*>.*?</th>", listing, re.S)]
    assert [h for h in headers if h] == ["街道", "隐患", "具体位置", "手机号", "状态", "创建时间"]
    assert "138****5678" in content
    assert "13812345678" not in content
    assert "新街口3号楼" not in content

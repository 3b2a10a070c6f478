import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from home import selectors
from home.models import HazardReport
from home.tests.factories import article_create
from portal.models import Area, Channel, User

pytestmark = pytest.mark.django_db

URL = "/admin/campaign/coverage/"


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _row(rows, code: str):
    return next(row for row in rows if row.street.code == code)


def test_counts_articles_per_street_and_channel_in_the_last_90_days(xc, xc_articles):
    community = Channel.objects.get(code="community")
    xjk = Area.objects.get(code="xc-xjk")
    article_create(
        index=xc_articles,
        title="旧文章",
        channels=[community],
        area=xjk,
        first_published_at=timezone.now() - datetime.timedelta(days=100),
    )
    article_create(index=xc_articles, title="草稿", channels=[community], area=xjk, publish=False)

    channels, rows = selectors.coverage(user=_user("district_admin"))

    codes = [channel.code for channel in channels]
    assert codes == ["enterprise", "countryside", "community", "school", "family"]
    assert len(rows) == 15  # every 西城 street
    # 新街口: 燃气 (进家庭, 进社区) and the corridor exposure (进社区); old and draft articles not counted
    assert _row(rows, "xc-xjk").counts == [0, 0, 2, 0, 1]
    assert _row(rows, "xc-xjk").blind_spots == 3
    assert _row(rows, "xc-tq").counts == [0, 0, 0, 0, 0]


def test_street_coordinator_sees_only_their_street(xc):
    _channels, rows = selectors.coverage(user=_user("street_coordinator"))

    assert [row.street.code for row in rows] == ["xc-jrj"]
    assert rows[0].counts == [1, 0, 1, 0, 0]


def test_coverage_view_highlights_blind_spots(client, xc):
    client.force_login(_user("district_admin"))

    response = client.get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "“五进”覆盖情况" in content
    assert "新街口街道" in content
    assert content.count('class="coverage-blind"') == 15 * 5 - 16  # 16 non-zero cells in the demo data


def test_coverage_xlsx_export(client, xc):
    client.force_login(_user("street_coordinator"))

    response = client.get(URL, {"format": "xlsx"})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("街道", "进企业", "进农村", "进社区", "进学校", "进家庭", "空白点")
    assert rows[1:] == [("金融街街道", 1, 0, 1, 0, 0, 3)]
    assert sheet.cell(row=2, column=3).fill.fgColor.rgb.endswith("FFCDD2")


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
    assert "138****5678" in content
    assert "13812345678" not in content
    assert "新街口3号楼" not in content

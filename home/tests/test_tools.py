from pathlib import Path

import pytest

from home.models import HazardReport
from portal.models import Area, AuditEntry

pytestmark = pytest.mark.django_db


def _rooms(rooms: list[tuple[str, str, str]]) -> dict:
    data = {
        "rooms-TOTAL_FORMS": str(len(rooms)),
        "rooms-INITIAL_FORMS": "0",
        "rooms-MIN_NUM_FORMS": "0",
        "rooms-MAX_NUM_FORMS": "8",
    }
    for n, (name, one, two) in enumerate(rooms):
        data |= {f"rooms-{n}-name": name, f"rooms-{n}-exit_one": one, f"rooms-{n}-exit_two": two}
    return data


def test_escape_plan_form_in_chinese(client, xc):
    content = client.get("/campaign/tools/escape-plan/").content.decode()

    assert "家庭逃生计划" in content
    assert 'value="主卧"' in content
    assert 'name="rooms-5-name"' in content  # two blank rows for larger homes
    assert 'name="rooms-6-name"' not in content
    assert "室外集合点" in content


def test_escape_plan_prints_one_page(client, xc):
    data = _rooms(
        [
            ("客厅", "入户门", "阳台（二楼可下）"),
            ("主卧", "卧室门到客厅", "窗户呼救"),
            ("", "", ""),
            ("", "", ""),
        ]
    )
    data |= {"meeting_point": "3号楼门口的大树下", "helpers": "爸爸 → 奶奶\n妈妈 → 小明", "phone_119": "on"}

    response = client.post("/campaign/tools/escape-plan/", data)

    content = response.content.decode()
    assert response.status_code == 200
    assert '<section class="plan-sheet" id="escape-plan">' in content
    assert '<th scope="row">客厅</th><td>入户门</td><td>阳台（二楼可下）</td>' in content
    assert "3号楼门口的大树下" in content
    assert "<li>爸爸 → 奶奶</li>" in content
    assert "到室外后拨打119" in content
    assert (
        '<button type="button" data-print>' in content and "home/print.js" in content
    )  # no inline script (CSP)


def test_escape_plan_print_css_hides_the_site_chrome():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("home/campaign.css")).read_text(encoding="utf-8")
    assert "@media print" in css
    assert ".site-header, .site-footer, .no-print" in css


def test_escape_plan_room_without_two_exits_says_so_in_chinese(client, xc):
    data = _rooms([("客厅", "入户门", ""), ("", "", ""), ("", "", ""), ("", "", "")]) | {
        "meeting_point": "楼下"
    }

    response = client.post("/campaign/tools/escape-plan/", data)

    assert response.status_code == 400
    assert "请为每个房间写下两条出路。" in response.content.decode()


def test_escape_plan_without_rooms_says_so(client, xc):
    data = _rooms([("", "", "")] * 4) | {"meeting_point": "楼下"}

    response = client.post("/campaign/tools/escape-plan/", data)

    assert response.status_code == 400
    assert "请至少填写一个房间及其两条出路。" in response.content.decode()


ALL_SAFE = {
    "ebike_indoor": "no",
    "corridor_blocked": "no",
    "flying_wire": "no",
    "smoke_alarm": "yes",
    "extinguisher": "yes",
    "gas_hose": "no",
    "sockets": "no",
    "escape_plan": "yes",
}


def test_self_check_all_safe_gives_praise_and_no_report(client, xc):
    content = client.post("/campaign/tools/self-check/", ALL_SAFE).content.decode()

    assert "做得很好，没有发现问题" in content
    assert "发送给街道" not in content


def test_self_check_gives_advice_and_offers_a_report_for_hazards(client, xc):
    answers = ALL_SAFE | {"ebike_indoor": "yes", "smoke_alarm": "no"}

    content = client.post("/campaign/tools/self-check/", answers).content.decode()

    assert "电动自行车只在室外充电点或智能充电柜充电" in content
    assert "在客厅和卧室安装独立式烟雾报警器" in content
    assert "发送给街道" in content
    assert 'name="hazards" value="ebike_indoor"' in content
    assert 'name="hazards" value="smoke_alarm"' not in content  # a household habit, not a street matter
    assert "新街口街道" in content  # the 西城 streets to choose from
    assert "劝业场街道" not in content


def test_self_check_unanswered_says_so_in_chinese(client, xc):
    response = client.post("/campaign/tools/self-check/", {"ebike_indoor": "yes"})

    assert response.status_code == 400
    assert "请回答每一个问题。" in response.content.decode()


def test_hazard_report_is_saved_for_the_street_with_the_phone(client, xc):
    street = Area.objects.get(code="xc-xjk")

    response = client.post(
        "/campaign/tools/self-check/report/",
        {
            "area": street.pk,
            "hazards": ["ebike_indoor", "corridor_blocked"],
            "address_hint": "3号楼2单元",
            "phone": "138 1234 5678",
        },
    )

    assert response.status_code == 200
    assert "新街口街道已收到您的报告" in response.content.decode()
    report = HazardReport.objects.get()
    assert report.area == street
    assert report.hazards == ["ebike_indoor", "corridor_blocked"]
    assert report.phone == "13812345678"
    assert report.phone_masked == "138****5678"
    assert "13812345678" not in response.content.decode()
    assert AuditEntry.objects.filter(action="home.hazard_report_create", area=street).exists()


def test_hazard_report_without_phone_is_fine(client, xc):
    street = Area.objects.get(code="xc-xjk")

    client.post("/campaign/tools/self-check/report/", {"area": street.pk, "hazards": ["flying_wire"]})

    assert HazardReport.objects.get().phone == ""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hazards": ["ebike_indoor"]}, "请选择隐患所在的街道。"),
        ({"area": "STREET", "hazards": ["ebike_indoor"], "phone": "12345"}, "请输入正确的手机号，或者不填。"),
        ({"area": "STREET"}, "没有需要报告的隐患。"),
        ({"area": "OTHER_DISTRICT", "hazards": ["ebike_indoor"]}, "选择一个有效的选项"),
    ],
)
def test_bad_hazard_report_says_why_in_chinese_and_saves_nothing(client, xc, data, message):
    if data.get("area") == "STREET":
        data["area"] = Area.objects.get(code="xc-xjk").pk
    if data.get("area") == "OTHER_DISTRICT":
        data["area"] = Area.objects.get(code="hp-qyc").pk

    response = client.post("/campaign/tools/self-check/report/", data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HazardReport.objects.exists()


def test_hazard_report_service_rejects_a_habit_as_hazard(xc):
    from home import services
    from portal.errors import PortalError

    with pytest.raises(PortalError) as error:
        services.hazard_report_create(area_id=Area.objects.get(code="xc-xjk").pk, hazards=["smoke_alarm"])

    assert error.value.code == "HAZARD_NONE"
    assert not HazardReport.objects.exists()

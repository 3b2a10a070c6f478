"""Training pages over HTTP: who may open what (role and area), bad input answered in Chinese
with nothing saved, and query counts that stay flat as the data grows."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal import services as kernel
from portal.models import Channel, Role, User
from portal.tests.factories import PersonFactory, resident_id_number
from training.models import Assessment, Booking, PracticalItem, Session, Venue

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------
# A small world: 西城区 with two streets, a venue and sessions in the first street.
# ------------------------------------------------------------------------------
@pytest.fixture
def areas():
    district = kernel.area_create(name="西城区", code="vxc")
    street = kernel.area_create(name="金融街街道", code="vxc-jrj", parent=district)
    other = kernel.area_create(name="德胜街道", code="vxc-ds", parent=district)
    elsewhere = kernel.area_create(name="和平区", code="vhp")
    return {"district": district, "street": street, "other": other, "elsewhere": elsewhere}


def _user(username: str, role: str | None, area=None) -> User:
    user = User.objects.create_user(username=username, password="correct-horse-119", display_name=username)
    if role:
        kernel.role_assign(user=user, role=role, area=area)
    return user


@pytest.fixture
def users(areas):
    return {
        "resident": _user("v_resident", Role.RESIDENT),
        "trainer": _user("v_trainer", Role.TRAINER, areas["street"]),
        "other_trainer": _user("v_trainer2", Role.TRAINER, areas["other"]),
        "admin": _user("v_admin", Role.DISTRICT_ADMIN, areas["district"]),
        "far_admin": _user("v_admin2", Role.DISTRICT_ADMIN, areas["elsewhere"]),
        "manager": _user("v_manager", Role.UNIT_MANAGER, areas["street"]),
    }


@pytest.fixture
def channel():
    return Channel.objects.get_or_create(code="community", defaults={"name": "进社区"})[0]


@pytest.fixture
def venue(areas):
    return Venue.objects.create(name="金融街小型站", kind=Venue.Kind.SMALL_STATION, area=areas["street"])


def _session(
    venue, channel, *, minutes: int = 20, capacity: int = 10, kind=Session.Kind.PRACTICAL
) -> Session:
    start = timezone.now() + datetime.timedelta(minutes=minutes)
    session = Session.objects.create(
        kind=kind,
        venue=venue,
        area=venue.area,
        channel=channel,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=capacity,
    )
    session.items.set(PracticalItem.objects.filter(code__in=PracticalItem.STANDARD_CODES))
    return session


@pytest.fixture
def session(venue, channel):
    return _session(venue, channel)


def _bookings(session, n: int, *, start: int = 0) -> list[Booking]:
    result = []
    for i in range(start, start + n):
        person = PersonFactory(
            name=f"学员{i}",
            id_number=resident_id_number(
                birth=datetime.date(1970, 1, 1) + datetime.timedelta(days=i), sequence=i
            ),
        )
        result.append(Booking.objects.create(session=session, person=person, category=4))
    return result


def _login(client, user):
    client.force_login(user)
    return client


# ------------------------------------------------------------------------------
# Residents
# ------------------------------------------------------------------------------
def test_session_list_is_public_and_its_queries_do_not_grow(client, venue, channel):
    first = _session(venue, channel)
    _bookings(first, 2)
    url = reverse("training:sessions")
    response = client.get(url)
    assert response.status_code == 200
    assert "金融街小型站" in response.content.decode()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(6):
        _bookings(_session(venue, channel, minutes=60 * (i + 2)), 3, start=10 + i * 3)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.content.decode().count("trn-card") >= 7
    assert len(large.captured_queries) == len(small.captured_queries)


def test_booking_with_a_wrong_id_number_is_refused_in_chinese_and_saves_nothing(client, users, session):
    _login(client, users["resident"])
    number = resident_id_number(birth=datetime.date(1980, 2, 2), sequence=5)
    wrong = number[:17] + ("1" if number[17] != "1" else "2")
    response = client.post(
        reverse("training:book", args=[session.pk]),
        {"category": 4, "name": "王芳", "phone": "13912345678", "id_number": wrong},
    )
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Booking.objects.exists()


def test_booking_shows_a_qr_without_personal_data_and_only_to_its_owner(client, users, session):
    _login(client, users["resident"])
    number = resident_id_number(birth=datetime.date(1980, 2, 2), sequence=5)
    response = client.post(
        reverse("training:book", args=[session.pk]),
        {"category": 4, "name": "王芳", "phone": "13912345678", "id_number": number},
    )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:booking", args=[booking.pk])
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "data-checkin-qr" in page
    assert number not in page and "13912345678" not in page
    assert booking.category == 4
    client.force_login(users["trainer"])
    assert client.get(reverse("training:booking", args=[booking.pk])).status_code == 404


def test_cancel_needs_the_confirmation_tick(client, users, session):
    _login(client, users["resident"])
    number = resident_id_number(birth=datetime.date(1981, 3, 3), sequence=6)
    client.post(
        reverse("training:book", args=[session.pk]),
        {"category": 7, "name": "王芳", "phone": "13912345678", "id_number": number},
    )
    booking = Booking.objects.get()
    client.post(reverse("training:booking_cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    client.post(reverse("training:booking_cancel", args=[booking.pk]), {"confirm": "yes"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def _offered(session, users):
    """The session is full; the resident waits; a seat frees and is offered to them (12 h)."""
    from training import services

    session.capacity = 1
    session.save(update_fields=["capacity"])
    held = _bookings(session, 1)[0]
    person = PersonFactory(user=users["resident"], name="王芳")
    waiting = services.booking_create(session=session, user=users["resident"], category=4, waitlist=True)
    assert waiting.status == Booking.Status.WAITLISTED and waiting.person == person
    services.booking_cancel(booking=held, by=users["trainer"])
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.OFFERED
    return waiting


def test_an_offered_seat_shows_its_deadline_and_is_accepted(client, users, session):
    offered = _offered(session, users)
    _login(client, users["resident"])
    deadline = timezone.localtime(offered.offer_expires_at).strftime("%H:%M")
    mine = client.get(reverse("training:my_bookings")).content.decode()
    assert "data-offer-accept" in mine and deadline in mine
    page = client.get(reverse("training:booking", args=[offered.pk])).content.decode()
    assert "data-offer-accept" in page and "data-offer-decline" in page and deadline in page
    assert "data-checkin-qr" not in page  # no QR before the seat is taken
    response = client.post(reverse("training:booking_offer_accept", args=[offered.pk]))
    assert response.status_code == 302
    offered.refresh_from_db()
    assert offered.status == Booking.Status.BOOKED and offered.offer_expires_at is None
    assert "data-checkin-qr" in client.get(response["Location"]).content.decode()
    # Another account cannot accept someone else's offer (it does not see the booking at all).
    client.force_login(users["manager"])
    assert client.post(reverse("training:booking_offer_accept", args=[offered.pk])).status_code == 404


def test_an_expired_offer_is_refused_in_chinese_with_its_code_and_nothing_changes(client, users, session):
    offered = _offered(session, users)
    _login(client, users["resident"])
    with time_machine.travel(offered.offer_expires_at + datetime.timedelta(minutes=1)):
        page = client.get(reverse("training:booking", args=[offered.pk])).content.decode()
        assert "data-offer-expired" in page and "data-offer-accept" not in page
        response = client.post(reverse("training:booking_offer_accept", args=[offered.pk]))
    body = response.content.decode()
    assert response.status_code == 409
    assert 'data-error-code="offer_expired"' in body and "保留时间已过" in body
    offered.refresh_from_db()
    assert offered.status == Booking.Status.OFFERED


def test_an_offered_seat_can_be_declined(client, users, session):
    offered = _offered(session, users)
    _login(client, users["resident"])
    client.post(reverse("training:booking_cancel", args=[offered.pk]), {"confirm": "yes"})
    offered.refresh_from_db()
    assert offered.status == Booking.Status.CANCELLED


def test_anonymous_visitors_are_sent_to_log_in(client, session):
    response = client.get(reverse("training:book", args=[session.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# ------------------------------------------------------------------------------
# Trainers: role and area
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("resident", 404),
        ("manager", 404),
        ("other_trainer", 404),
        ("far_admin", 404),
        ("trainer", 200),
        ("admin", 200),
    ],
)
def test_checkin_and_signoff_pages_open_only_for_trainers_of_the_area(client, users, session, who, status):
    _login(client, users[who])
    for name in ("training:checkin", "training:signoff", "training:helpers"):
        assert client.get(reverse(name, args=[session.pk])).status_code == status, name


def test_scan_answers_ok_then_already_checked_in_then_invalid(client, users, session):
    from training import services

    booking = _bookings(session, 1)[0]
    code = services.booking_checkin_code(booking=booking)
    _login(client, users["trainer"])
    url = reverse("training:checkin_scan", args=[session.pk])
    headers = {"HTTP_X_REQUESTED_WITH": "fetch"}
    first = client.post(url, {"code": code, "nonce": "n-1"}, **headers).json()
    assert first["ok"] is True and first["result"] == "ok" and first["count"] == 1
    assert "学*0" in first["message"] and first["detail"] == "物业服务企业职员"
    assert "学员0" not in str(first)
    again = client.post(url, {"code": code, "nonce": "n-2"}, **headers).json()
    assert again["result"] == "already_checked_in"
    local = timezone.localtime(Booking.objects.get(pk=booking.pk).checked_in_at)
    assert f"{local:%H:%M}" in again["message"]
    repeat = client.post(url, {"code": code, "nonce": "n-1"}, **headers).json()
    assert repeat["result"] == "ok"  # the same nonce replays the first answer
    forged = client.post(url, {"code": code[:-2] + "zz", "nonce": "n-3"}, **headers).json()
    assert forged["ok"] is False and forged["result"] == "invalid_code"
    assert forged["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in forged["message"])


def test_scan_from_another_area_is_refused_before_the_service(client, users, session):
    booking = _bookings(session, 1)[0]
    _login(client, users["other_trainer"])
    response = client.post(reverse("training:checkin_scan", args=[session.pk]), {"booking": booking.pk})
    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None


def test_manual_search_finds_by_name_and_checks_in_by_booking(client, users, session):
    booking = _bookings(session, 3)[1]
    _login(client, users["trainer"])
    page = client.get(reverse("training:checkin", args=[session.pk]), {"q": "学员1"}).content.decode()
    assert f'data-trn-manual="{booking.pk}"' in page
    response = client.post(
        reverse("training:checkin_scan", args=[session.pk]), {"booking": booking.pk, "nonce": "m-1"}
    )
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).checked_in_at is not None


def test_checkin_page_queries_do_not_grow_with_bookings(client, users, venue, channel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = _session(venue, channel)
    _bookings(session, 2)
    _login(client, users["trainer"])
    url = reverse("training:checkin", args=[session.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"q": "学员"})
    _bookings(session, 8, start=20)
    with CaptureQueriesContext(connection) as large:
        client.get(url, {"q": "学员"})
    assert len(large.captured_queries) == len(small.captured_queries)


def test_signoff_saves_pass_and_fail_and_rejects_other_values(client, users, session):
    from training import services

    booking = _bookings(session, 1)[0]
    services.checkin_perform(
        session=session,
        code=services.booking_checkin_code(booking=booking),
        nonce="s-1",
        scanned_by=users["trainer"],
    )
    _login(client, users["trainer"])
    url = reverse("training:signoff", args=[session.pk])
    bad = client.post(url, {f"b{booking.pk}__extinguisher": "maybe", "action": "save"})
    assert bad.status_code == 400 and "请选择“通过”或“不通过”" in bad.content.decode()
    assert not booking.assessments.exists()
    ok = client.post(
        url, {f"b{booking.pk}__extinguisher": "pass", f"b{booking.pk}__hydrant": "fail", "action": "save"}
    )
    assert ok.status_code == 302
    assert dict(booking.assessments.values_list("item__code", "result")) == {
        "extinguisher": "pass",
        "hydrant": "fail",
    }


@pytest.mark.parametrize("case", ["bad_value", "unknown_item", "other_session", "not_checked_in"])
def test_a_bad_signoff_answers_400_in_chinese_and_saves_nothing(client, users, session, venue, channel, case):
    from training import services

    ladder, _ = PracticalItem.objects.get_or_create(code="ladder", defaults={"name": "挂钩梯"})
    present, absent = _bookings(session, 2)
    elsewhere = _bookings(_session(venue, channel, minutes=30), 1, start=5)[0]
    for booking, nonce in ((present, "p-1"), (elsewhere, "e-1")):
        services.checkin_perform(
            session=booking.session,
            code=services.booking_checkin_code(booking=booking),
            nonce=nonce,
            scanned_by=users["trainer"],
        )
    good = {f"b{present.pk}__extinguisher": "pass", "action": "save"}
    extra, message = {
        "bad_value": ({f"b{present.pk}__hydrant": "maybe"}, "请选择“通过”或“不通过”"),
        "unknown_item": ({f"b{present.pk}__{ladder.code}": "pass"}, "不是本场的实操项目"),
        "other_session": ({f"b{elsewhere.pk}__extinguisher": "pass"}, "不是本场已签到的学员"),
        "not_checked_in": ({f"b{absent.pk}__extinguisher": "pass"}, "不是本场已签到的学员"),
    }[case]
    _login(client, users["trainer"])
    response = client.post(reverse("training:signoff", args=[session.pk]), {**good, **extra})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Assessment.objects.exists()


def test_close_needs_the_confirmation_tick(client, users, session):
    _login(client, users["trainer"])
    client.post(reverse("training:close", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == Session.Status.OPEN
    with time_machine.travel(session.ends_at, tick=False):
        response = client.post(reverse("training:close", args=[session.pk]), {"confirm": "yes"}, follow=True)
    assert response.status_code == 200, response.redirect_chain
    session.refresh_from_db()
    assert session.status == Session.Status.CLOSED


# ------------------------------------------------------------------------------
# Session creation
# ------------------------------------------------------------------------------
def test_a_series_is_created_in_one_step_and_bad_times_save_nothing(client, users, venue, channel):
    _login(client, users["trainer"])
    url = reverse("training:session_create")
    data = {
        "kind": Session.Kind.PRACTICAL,
        "venue": venue.pk,
        "channel": channel.pk,
        "first_date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        "start_time": "09:00",
        "end_time": "08:00",
        "capacity": 20,
        "weekdays": [1, 3],
        "weeks": 8,
    }
    bad = client.post(url, data)
    assert bad.status_code == 200 and "结束" in bad.content.decode()
    assert not Session.objects.exists()
    data["end_time"] = "11:00"
    assert client.post(url, data).status_code == 302
    assert Session.objects.count() == 16
    assert {
        s.starts_at.astimezone(timezone.get_current_timezone()).weekday() for s in Session.objects.all()
    } == {1, 3}


# ------------------------------------------------------------------------------
# Unit managers
# ------------------------------------------------------------------------------
@pytest.fixture
def unit(areas, users):
    from portal.models import Organisation

    organisation = Organisation.objects.create(
        name="丰盛物业", kind=Organisation.Kind.PROPERTY, area=areas["street"]
    )
    organisation.managers.add(users["manager"])
    return organisation


def _roster(rows) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "手机号", "身份证号", "类别"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_bad_roster_books_nobody_and_offers_the_error_report(client, users, unit, session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, users["manager"])
    good = resident_id_number(birth=datetime.date(1990, 1, 1), sequence=11)
    content = _roster([("张三", "13912340001", good, 4), ("李四", "12345", "110102199001011235", 9)])
    response = client.post(
        reverse("training:unit_roster") + f"?org={unit.pk}",
        {"session": session.pk, "roster": SimpleUploadedFile("roster.xlsx", content)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "data-roster-errors" in page and "第 3 行" in page
    assert "第 2 行" not in page  # the good row is not blamed
    assert not Booking.objects.exists()
    report = response.context["report_url"]
    download = client.get(report)
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")


def test_a_good_roster_books_everybody(client, users, unit, session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client, users["manager"])
    rows = [
        (
            f"员工{i}",
            f"1391234{i:04d}",
            resident_id_number(birth=datetime.date(1990, 1, 1 + i), sequence=20 + i),
            4,
        )
        for i in range(3)
    ]
    response = client.post(
        reverse("training:unit_roster") + f"?org={unit.pk}",
        {"session": session.pk, "roster": SimpleUploadedFile("roster.xlsx", _roster(rows))},
    )
    assert response.status_code == 302
    assert Booking.objects.filter(organisation=unit).count() == 3
    page = client.get(reverse("training:unit_home") + f"?org={unit.pk}").content.decode()
    assert "员*0" in page or "员工0" in page
    assert rows[0][1] not in page and rows[0][2] not in page


def test_unit_pages_are_for_unit_managers_only(client, users, unit):
    for who in ("resident", "trainer"):
        _login(client, users[who])
        assert client.get(reverse("training:unit_home")).status_code == 404
        assert client.get(reverse("training:roster_template")).status_code == 404
    _login(client, users["manager"])
    template = client.get(reverse("training:roster_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")


# ------------------------------------------------------------------------------
# District dashboard and certificates
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "status"), [("resident", 404), ("trainer", 404), ("manager", 404), ("admin", 200)]
)
def test_dashboard_is_for_district_admins(client, users, who, status):
    _login(client, users[who])
    assert client.get(reverse("training:dashboard")).status_code == status


def test_dashboard_queries_do_not_grow_and_xlsx_exports(client, users, venue, channel):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _bookings(_session(venue, channel), 2)
    _login(client, users["admin"])
    url = reverse("training:dashboard")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(4):
        _bookings(_session(venue, channel, minutes=60 * (i + 3)), 4, start=40 + 4 * i)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
    export = client.get(url, {"format": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")


def _chart_json(response, chart_id: str) -> str:
    """The chart spec as the page embeds it (json_script), for dashboard.js."""
    import re

    match = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>', response.content.decode()
    )
    return match.group(1)


def test_dashboard_charts_the_targets_and_the_reference_line(client, users, areas):
    import json

    from portal.models import Metric, PlanPeriod, Target

    year = timezone.localdate().year
    period = PlanPeriod.objects.create(
        district=areas["district"], name="十五五", start_year=year, end_year=year
    )
    for metric, kind, value in (
        (Metric.TRAINEES_TRAINED_PER_YEAR, Target.Kind.TARGET, 5000),
        (Metric.TRAINEES_TRAINED_PER_YEAR, Target.Kind.REFERENCE, 100000),
        (Metric.TRAINEES_PASSED_PER_YEAR, Target.Kind.TARGET, 25000),
    ):
        Target.objects.create(
            period=period, metric=metric, kind=kind, value=value, unit="人/年", source="规划"
        )
    _login(client, users["admin"])
    response = client.get(reverse("training:dashboard"))
    chart = json.loads(_chart_json(response, "chart-items"))
    assert sorted(line["value"] for line in chart["lines"]) == [5000, 25000, 100000]


def test_a_small_batch_with_one_bad_row_books_nobody(client, users, unit, session):
    _login(client, users["manager"])
    good = resident_id_number(birth=datetime.date(1992, 2, 2), sequence=31)
    bad = resident_id_number(birth=datetime.date(1993, 3, 3), sequence=32)
    data = {
        "session": session.pk,
        "p-TOTAL_FORMS": 5,
        "p-INITIAL_FORMS": 0,
        "p-MIN_NUM_FORMS": 0,
        "p-MAX_NUM_FORMS": 20,
        "p-0-name": "张三",
        "p-0-phone": "13912340001",
        "p-0-id_number": good,
        "p-0-category": 4,
        "p-1-name": "李四",
        "p-1-phone": "13912340002",
        "p-1-id_number": bad[:17] + ("1" if bad[17] != "1" else "2"),
        "p-1-category": 5,
    }
    response = client.post(reverse("training:unit_book") + f"?org={unit.pk}", data)
    assert response.status_code == 200
    assert "身份证号无效" in response.content.decode()
    assert not Booking.objects.exists()
    data["p-1-id_number"] = bad
    assert client.post(reverse("training:unit_book") + f"?org={unit.pk}", data).status_code == 302
    assert set(Booking.objects.values_list("category", flat=True)) == {4, 5}


def test_revoking_a_certificate_needs_a_reason_and_is_audited(client, users, session):
    from portal.models import AuditEntry, Certificate, CertificateKind

    booking = _bookings(session, 1)[0]
    certificate = kernel.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=session.area.parent,
        holder=booking.person,
        title="一警六员消防技能培训合格证书",
        issuer_name="西城区消防救援支队",
        details=[],
        source=booking,
    )
    url = reverse("training:certificate_revoke", args=[certificate.number])
    _login(client, users["trainer"])
    assert client.get(url).status_code == 404
    _login(client, users["far_admin"])
    assert client.get(url).status_code == 404
    _login(client, users["admin"])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": "  ", "confirm": "on"})
    assert refused.status_code == 200
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert client.post(url, {"reason": "冒名顶替参训", "confirm": "on"}).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED and certificate.revoke_reason == "冒名顶替参训"
    assert AuditEntry.objects.filter(action="portal.certificate.revoked").count() == 1


def test_session_certificates_zip_for_staff_of_the_area_only(client, users, session):
    import io
    import zipfile

    url = reverse("training:session_certificates_zip", args=[session.pk])
    for who in ("resident", "other_trainer", "far_admin"):
        _login(client, users[who])
        assert client.get(url).status_code == 404, who
    _login(client, users["admin"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(response.content)).namelist() == []


def test_helpers_sign_in_and_out_with_the_same_scanner(client, users, session):
    from training import services
    from training.models import HelperShift

    helper = PersonFactory(name="陈静")
    code = services.helper_code(person=helper)
    _login(client, users["trainer"])
    url = reverse("training:helpers_scan", args=[session.pk])
    headers = {"HTTP_X_REQUESTED_WITH": "fetch"}
    first = client.post(url, {"code": code, "nonce": "h-1"}, **headers).json()
    assert first["ok"] is True and first["result"] == "helper_signed_in"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=90), tick=False):
        second = client.post(url, {"code": code, "nonce": "h-2"}, **headers).json()
    assert second["result"] == "helper_signed_out"
    shift = HelperShift.objects.get(session=session, person=helper)
    assert shift.signed_out_at is not None
    assert "陈静" not in str(first) + str(second)

"""Service rules of issue 3: booking and capacity, waiting list, roster, check-in, sign-off, close."""

import datetime
import io

import pytest
import time_machine
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from portal import codes, signals
from portal.errors import PermissionDenied, PortalError
from portal.models import Certificate, Role
from portal.tests.factories import OrganisationFactory, resident_id_number
from training import services
from training.models import Assessment, Booking, CheckInAttempt, HelperShift, Session
from training.tests import factories


def _person(**kwargs):
    return factories.PersonFactory(**kwargs)


def _book(session, n=1, **kwargs):
    return [factories.BookingFactory(session=session, **kwargs) for _ in range(n)]


# ------------------------------------------------------------------------------
# Booking
# ------------------------------------------------------------------------------
def test_self_booking_uses_remembered_category(session, trainee_user):
    booking = services.booking_create(session=session, user=trainee_user)
    assert booking.status == Booking.Status.BOOKED and booking.category == 4


def test_full_session_raises_session_full_or_waitlists(session, trainee_user, make_user):
    _book(session, 3)
    with pytest.raises(PortalError) as error:
        services.booking_create(session=session, user=trainee_user)
    assert error.value.code == "session_full" and error.value.status == 409
    booking = services.booking_create(session=session, user=trainee_user, waitlist=True)
    assert booking.status == Booking.Status.WAITLISTED


def test_double_booking_is_refused(session, trainee_user):
    services.booking_create(session=session, user=trainee_user)
    with pytest.raises(PortalError) as error:
        services.booking_create(session=session, user=trainee_user)
    assert error.value.code == "already_booked"


def test_booking_window_and_category_and_person(session, trainee_user, resident):
    with pytest.raises(PortalError) as error:
        services.booking_create(session=session, user=resident)
    assert error.value.code == "person_required"
    _person(user=resident)
    with pytest.raises(PortalError) as error:
        services.booking_create(session=session, user=resident)
    assert error.value.code == "category_required"
    with (
        time_machine.travel(session.starts_at + datetime.timedelta(minutes=1)),
        pytest.raises(PortalError) as error,
    ):
        services.booking_create(session=session, user=trainee_user)
    assert error.value.code == "booking_closed"
    session.booking_opens_at = timezone.now() + datetime.timedelta(minutes=10)
    session.save()
    with pytest.raises(PortalError) as error:
        services.booking_create(session=session, user=trainee_user)
    assert error.value.code == "booking_not_open"


def test_unit_manager_books_staff_reusing_person_by_id(session, make_user, street):
    manager = make_user(Role.UNIT_MANAGER, street)
    unit = OrganisationFactory(area=street)
    unit.managers.add(manager)
    number = resident_id_number(birth=datetime.date(1990, 5, 6), sequence=11)
    existing = _person(name="李四", id_number=number)
    booking = services.booking_create(
        session=session,
        user=manager,
        person={"name": "李四", "phone": "13900001111", "id_number": number, "category": 5},
    )
    assert booking.person == existing and booking.organisation == unit and booking.category == 5


def test_first_self_booking_links_a_rostered_person_through_the_kernel(session, make_user):
    """A person booked earlier by a unit manager signs up and books: the account gets that person
    through portal.services.person_link_user, which announces person_identified."""
    number = resident_id_number(birth=datetime.date(1988, 2, 3), sequence=21)
    rostered = _person(name="赵六", id_number=number)
    account = make_user(Role.RESIDENT, None)
    heard = []

    def receiver(sender, person, user, **kwargs):
        heard.append((person.pk, user.pk))

    signals.person_identified.connect(receiver, dispatch_uid="training-test-link")
    try:
        booking = services.booking_create_self(
            session=session, user=account, category=4, name="赵六", phone="13900002222", id_number=number
        )
    finally:
        signals.person_identified.disconnect(dispatch_uid="training-test-link")
    rostered.refresh_from_db()
    assert rostered.user == account and booking.person == rostered
    assert heard == [(rostered.pk, account.pk)]


def test_resident_may_not_book_others(session, trainee_user):
    with pytest.raises(PermissionDenied):
        services.booking_create(session=session, user=trainee_user, person={"name": "x", "id_number": "1"})


# ------------------------------------------------------------------------------
# Waiting list
# ------------------------------------------------------------------------------
def test_cancel_offers_seat_to_next_and_offer_expires(session, make_user, trainee_user):
    held = _book(session, 3)
    first = services.booking_create(session=session, user=trainee_user, waitlist=True)
    second = factories.BookingFactory(session=session, status=Booking.Status.WAITLISTED)
    services.booking_cancel(booking=held[0], by=make_user(Role.TRAINER, session.area))
    first.refresh_from_db()
    assert first.status == Booking.Status.OFFERED and first.offer_expires_at is not None
    assert Booking.objects.get(pk=second.pk).status == Booking.Status.WAITLISTED
    with time_machine.travel(first.offer_expires_at + datetime.timedelta(seconds=1)):
        assert services.offers_expire() == 1
    first.refresh_from_db()
    assert first.status == Booking.Status.CANCELLED
    assert Booking.objects.get(pk=second.pk).status == Booking.Status.OFFERED
    assert session.bookings.filter(status__in=Booking.SEAT_STATUSES).count() == 3


def test_offer_accepted_in_time_becomes_booking(session, make_user, trainee_user):
    held = _book(session, 3)
    waiting = services.booking_create(session=session, user=trainee_user, waitlist=True)
    services.booking_cancel(booking=held[0], by=make_user(Role.TRAINER, session.area))
    waiting.refresh_from_db()
    assert services.booking_offer_accept(booking=waiting, by=trainee_user).status == Booking.Status.BOOKED


# ------------------------------------------------------------------------------
# Roster
# ------------------------------------------------------------------------------
def _roster(rows) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(services.ROSTER_HEADERS)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


@pytest.fixture
def manager(make_user, street):
    user = make_user(Role.UNIT_MANAGER, street)
    OrganisationFactory(area=street).managers.add(user)
    return user


def test_good_roster_books_everybody(session, manager):
    rows = [
        (
            f"员工{i}",
            f"1391234{i:04d}",
            resident_id_number(birth=datetime.date(1990, 1, 1 + i), sequence=i),
            4,
        )
        for i in range(3)
    ]
    result = services.roster_import(session=session, file=_roster(rows), booked_by=manager)
    assert result.ok and len(result.bookings) == 3
    assert session.bookings.filter(status=Booking.Status.BOOKED).count() == 3


def test_bad_roster_books_nobody_and_report_names_rows(session, manager):
    good = resident_id_number(birth=datetime.date(1990, 1, 1), sequence=1)
    rows = [
        ("员工甲", "13912340001", good, 4),
        ("", "13912340002", resident_id_number(birth=datetime.date(1991, 1, 1), sequence=2), 4),
        ("员工丙", "12345", good[:-1] + ("0" if good[-1] != "0" else "1"), 9),
        ("员工丁", "13912340004", good, 4),
    ]
    result = services.roster_import(session=session, file=_roster(rows), booked_by=manager)
    assert not result.ok and result.bookings == []
    assert not Booking.objects.exists()
    by_row = {}
    for error in result.errors:
        by_row.setdefault(error.row, set()).add(error.column)
    assert by_row == {3: {"姓名"}, 4: {"手机号", "身份证号", "类别(1-7)"}, 5: {"身份证号"}}
    report = load_workbook(io.BytesIO(services.roster_error_report(errors=result.errors)))
    values = [list(r) for r in report.active.iter_rows(min_row=2, values_only=True)]
    assert {v[0] for v in values} == {3, 4, 5}
    csv_text = services.roster_error_report(errors=result.errors, fmt="csv").decode("utf-8-sig")
    assert "身份证号" in csv_text


def test_roster_too_long_for_the_seats_books_nobody(session, manager):
    rows = [
        (f"员工{i}", "", resident_id_number(birth=datetime.date(1990, 1, 1 + i), sequence=i), 5)
        for i in range(4)
    ]
    result = services.roster_import(session=session, file=_roster(rows), booked_by=manager)
    assert not result.ok and not Booking.objects.exists()
    assert result.errors[0].row == 5


def test_not_an_xlsx_is_one_error(session, manager):
    result = services.roster_import(session=session, file=io.BytesIO(b"name,phone"), booked_by=manager)
    assert not result.ok and result.errors[0].row == 0


# ------------------------------------------------------------------------------
# Check-in
# ------------------------------------------------------------------------------
def _scan(session, code, trainer, nonce, **kw):
    return services.checkin_redeem(session=session, code=code, nonce=nonce, scanned_by=trainer, **kw)


def test_checkin_ok_then_already_checked_in_with_time(session, trainer):
    booking = _book(session)[0]
    code = services.booking_checkin_code(booking=booking)
    with time_machine.travel(
        session.starts_at.replace(second=0, microsecond=0) - datetime.timedelta(minutes=5)
    ):
        first = _scan(session, code, trainer, "n1")
    assert first.result == "ok"
    second = _scan(session, code, trainer, "n2")
    assert second.result == "already_checked_in"
    assert second.time == timezone.localtime(Booking.objects.get(pk=booking.pk).checked_in_at).strftime(
        "%H:%M"
    )
    assert second.time in second.message
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.ATTENDED
    assert CheckInAttempt.objects.count() == 2


def test_nonce_replay_returns_first_answer_and_writes_nothing(session, trainer):
    booking = _book(session)[0]
    code = services.booking_checkin_code(booking=booking)
    first = _scan(session, code, trainer, "same")
    replay = _scan(session, code, trainer, "same")
    assert first.result == replay.result == "ok" and replay.time == first.time
    assert CheckInAttempt.objects.count() == 1


@pytest.mark.parametrize(
    "case",
    ["forged", "altered", "other_purpose", "cancelled", "wrong_session", "not_open", "closed", "waitlisted"],
)
def test_every_rejection_has_its_reason_and_is_recorded(case, session, trainer, venue):
    booking = _book(session)[0]
    code = services.booking_checkin_code(booking=booking)
    scan_session = session
    expected = case
    if case == "forged":
        code, expected = "abc.0.aaaaaaaaaaaaaaaa", "invalid_code"
    elif case == "altered":
        body, sig = code.rsplit(".", 1)
        code, expected = f"{body}.{sig[::-1]}", "invalid_code"
    elif case == "other_purpose":
        code, expected = (
            codes.code_issue(purpose="volunteers.attendance", object_id=booking.pk),
            "invalid_code",
        )
    elif case == "cancelled":
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    elif case == "wrong_session":
        scan_session = factories.SessionFactory(venue=venue)
    elif case == "not_open":
        Session.objects.filter(pk=session.pk).update(
            starts_at=timezone.now() + datetime.timedelta(days=2),
            ends_at=timezone.now() + datetime.timedelta(days=3),
        )
    elif case == "closed":
        Session.objects.filter(pk=session.pk).update(status=Session.Status.CLOSED)
        expected = "not_open"
    elif case == "waitlisted":
        Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.WAITLISTED)
    result = _scan(scan_session, code, trainer, f"n-{case}")
    assert result.result == expected
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None
    attempt = CheckInAttempt.objects.get(nonce=f"n-{case}")
    assert attempt.result == expected and attempt.reason


def test_trainer_of_another_street_may_not_scan(session, other_trainer):
    booking = _book(session)[0]
    with pytest.raises(PermissionDenied):
        _scan(session, services.booking_checkin_code(booking=booking), other_trainer, "x")


def test_code_holds_no_personal_data(session):
    booking = _book(session)[0]
    code = services.booking_checkin_code(booking=booking)
    assert booking.person.name not in code and "1101" not in code and len(code) < 40


def test_checkin_query_count_does_not_grow_with_bookings(session, trainer, django_assert_max_num_queries):
    session.capacity = 100
    session.save()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    warm = _book(session)[0]  # caches (content types, role groups) filled once
    _scan(session, services.booking_checkin_code(booking=warm), trainer, "warm")
    counts = []
    for size in (2, 40):
        _book(session, size)
        booking = Booking.objects.filter(session=session, checked_in_at__isnull=True).last()
        with CaptureQueriesContext(connection) as queries:
            assert (
                _scan(session, services.booking_checkin_code(booking=booking), trainer, f"q{size}").result
                == "ok"
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ------------------------------------------------------------------------------
# Sign-off, close, certificates
# ------------------------------------------------------------------------------
def _checked_in(session, trainer, n):
    bookings = _book(session, n)
    for i, booking in enumerate(bookings):
        _scan(session, services.booking_checkin_code(booking=booking), trainer, f"c{booking.pk}-{i}")
    return bookings


def test_assessment_needs_check_in_and_known_items(session, trainer):
    booking = _book(session)[0]
    with pytest.raises(PortalError) as error:
        services.assessment_record(booking=booking, items={"extinguisher": "pass"}, assessed_by=trainer)
    assert error.value.code == "not_checked_in"
    _scan(session, services.booking_checkin_code(booking=booking), trainer, "a1")
    with pytest.raises(PortalError) as error:
        services.assessment_record(booking=booking, items={"ladder": "pass"}, assessed_by=trainer)
    assert error.value.code == "unknown_item"


def test_close_issues_certificates_only_to_those_who_passed_everything(
    session, trainer, private_media, django_capture_on_commit_callbacks
):
    passed, failed, no_show = (*_checked_in(session, trainer, 2), _book(session)[0])
    services.assessment_record(
        booking=passed, items={"extinguisher": "pass", "hydrant": "pass"}, assessed_by=trainer
    )
    services.assessment_record(
        booking=failed, items={"extinguisher": "pass", "hydrant": "fail"}, assessed_by=trainer
    )
    with (
        time_machine.travel(session.starts_at + datetime.timedelta(minutes=90)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.session_close(session=session, closed_by=trainer)
    assert Booking.objects.get(pk=no_show.pk).status == Booking.Status.NO_SHOW
    assert Booking.objects.get(pk=passed.pk).passed is True
    assert Booking.objects.get(pk=failed.pk).passed is False
    certificates = list(Certificate.objects.all())
    assert [c.holder_id for c in certificates] == [passed.person_id]
    assert certificates[0].pdf  # rendered by the (eager) Celery job
    with time_machine.travel(session.starts_at + datetime.timedelta(minutes=91)):
        services.session_close(session=session, closed_by=trainer)  # twice: nothing more
    assert Certificate.objects.count() == 1


def test_close_before_start_is_refused(session, trainer):
    with pytest.raises(PortalError) as error:
        services.session_close(session=session, closed_by=trainer)
    assert error.value.code == "session_not_started"


# ------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------
def test_helper_sign_out_sends_the_signal_once_per_shift(session, trainer):
    helper = _person(name="赵志愿")
    received = []

    def receiver(**kwargs):
        received.append(kwargs)

    signals.volunteer_service_performed.connect(receiver, dispatch_uid="test-training-helper")
    try:
        code = services.helper_code(person=helper)
        assert _scan(session, code, trainer, "h1").result == "helper_signed_in"
        assert _scan(session, code, trainer, "h1").result == "helper_signed_in"  # replayed nonce
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=60)):
            assert _scan(session, code, trainer, "h2").result == "helper_signed_out"
            assert _scan(session, code, trainer, "h2").result == "helper_signed_out"  # replayed
    finally:
        signals.volunteer_service_performed.disconnect(dispatch_uid="test-training-helper")
    assert len(received) == 1
    shift = HelperShift.objects.get()
    assert received[0]["person"] == helper and received[0]["source"] == shift
    assert received[0]["ended_at"] - received[0]["started_at"] >= datetime.timedelta(minutes=59)


# ------------------------------------------------------------------------------
# Series and reminders
# ------------------------------------------------------------------------------
def test_series_every_tuesday_and_thursday_for_eight_weeks(venue, trainer):
    sessions = services.session_series_create(
        venue=venue,
        kind=Session.Kind.PRACTICAL,
        weekdays=[1, 3],
        start_time=datetime.time(9, 0),
        duration=datetime.timedelta(hours=2),
        first_date=datetime.date(2026, 11, 30),
        weeks=8,
        channel=factories.channel(),
        created_by=trainer,
    )
    assert len(sessions) == 16 and len({s.series for s in sessions}) == 1
    assert {timezone.localtime(s.starts_at).weekday() for s in sessions} == {1, 3}
    assert {timezone.localtime(s.starts_at).strftime("%H:%M") for s in sessions} == {"09:00"}
    assert set(sessions[0].items.values_list("code", flat=True)) == {"extinguisher", "hydrant"}


def test_reminders_are_sent_once(session, trainee_user, django_capture_on_commit_callbacks):
    from portal.models import SMSMessage

    services.booking_create(session=session, user=trainee_user)
    before = SMSMessage.objects.count()
    services.booking_notify(booking_id=Booking.objects.get().pk, event="booked")
    before += 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sessions_remind() == 1
        assert services.sessions_remind() == 0
    assert SMSMessage.objects.count() == before + 1


def test_assessment_model_unique_per_item(session, trainer):
    booking = _checked_in(session, trainer, 1)[0]
    services.assessment_record(booking=booking, items={"extinguisher": "fail"}, assessed_by=trainer)
    services.assessment_record(booking=booking, items={"extinguisher": "pass"}, assessed_by=trainer)
    assert Assessment.objects.get().result == "pass"

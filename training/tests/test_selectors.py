"""Annual counts against hand-computed numbers, query counts, unit staff status, certificate PDF."""

import datetime
import subprocess
from pathlib import Path

import time_machine
import zxingcpp
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from portal import metrics
from portal import services as portal_services
from portal.models import Certificate, Metric, Role
from portal.tests.factories import OrganisationFactory
from portal.validators import mask_name
from training import selectors, services, tally
from training.models import Assessment, Booking, PracticalItem
from training.tests import factories

YEAR = 2026


def _attend(session, *, person=None, category=4, items=None, passed=None):
    booking = factories.BookingFactory(
        session=session,
        person=person or factories.PersonFactory(),
        category=category,
        status=Booking.Status.ATTENDED,
        checked_in_at=session.starts_at,
        passed=passed,
    )
    for code, result in (items or {}).items():
        Assessment.objects.create(
            booking=booking,
            item=PracticalItem.objects.get(code=code),
            result=result,
            assessed_at=session.ends_at,
        )
    return booking


def _session(venue, month, day=10):
    start = datetime.datetime(YEAR, month, day, 9, tzinfo=datetime.UTC)
    return factories.SessionFactory(venue=venue, starts_at=start, ends_at=start + datetime.timedelta(hours=2))


def _fixture(street, other_street):
    """Hand-computed: street A venue in March (3 attended: 2 passed both, 1 failed hydrant) and
    July (the same person p1 again, passed; 1 new with category 5, passed); street B, May
    (1 attended category 7, passed extinguisher only: not passed); one no-show; one booking last year."""
    a = factories.VenueFactory(area=street, name="甲站")
    b = factories.VenueFactory(area=other_street, name="乙站")
    both = {"extinguisher": "pass", "hydrant": "pass"}
    march, july, may = _session(a, 3), _session(a, 7), _session(b, 5)
    p1 = factories.PersonFactory()
    _attend(march, person=p1, items=both, passed=True)
    _attend(march, items=both, passed=True)
    _attend(march, items={"extinguisher": "pass", "hydrant": "fail"}, passed=False)
    _attend(july, person=p1, items=both, passed=True)
    _attend(july, category=5, items=both, passed=True)
    _attend(may, category=7, items={"extinguisher": "pass"}, passed=False)
    factories.BookingFactory(session=march, status=Booking.Status.NO_SHOW)
    last_year = factories.SessionFactory(
        venue=a, starts_at=datetime.datetime(YEAR - 1, 12, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(YEAR - 1, 12, 1, 2, tzinfo=datetime.UTC),
    )  # fmt: skip
    _attend(last_year, items=both, passed=True)
    tally.rebuild()  # written directly above, not through the services that keep the tally


def test_annual_counts_match_hand_computed_numbers(district, street, other_street):
    _fixture(street, other_street)
    counts = selectors.annual_counts(area=district, year=YEAR)
    assert (counts.trained, counts.passed) == (5, 3)
    assert (counts.extinguisher_trained, counts.extinguisher_passed) == (5, 5)
    assert (counts.hydrant_trained, counts.hydrant_passed) == (4, 3)
    by_cat = {r["category"]: (r["trained"], r["passed"]) for r in counts.by_category}
    assert by_cat == {4: (3, 2), 5: (1, 1), 7: (1, 0)}
    by_street = {r["name"]: (r["trained"], r["passed"]) for r in counts.by_street}
    assert by_street == {street.name: (4, 3), other_street.name: (1, 0)}
    by_month = {r["month"]: (r["trained"], r["passed"], r["fire"], r["hydrant"]) for r in counts.by_month}
    assert by_month == {3: (3, 2, 3, 2), 5: (1, 0, 1, 0), 7: (2, 2, 2, 2)}
    assert {r["name"]: r["trained"] for r in counts.by_venue} == {"甲站": 4, "乙站": 1}
    street_counts = selectors.annual_counts(area=other_street, year=YEAR)
    assert (street_counts.trained, street_counts.passed) == (1, 0)
    assert _comparable(selectors.annual_counts_recount(area=district, year=YEAR)) == _comparable(counts)


def _comparable(counts) -> dict:
    def by(rows, key):
        return sorted((r[key], r["trained"], r["passed"], r["fire"], r["hydrant"]) for r in rows)

    return {
        "totals": (counts.trained, counts.passed),
        "items": (
            counts.extinguisher_trained,
            counts.extinguisher_passed,
            counts.hydrant_trained,
            counts.hydrant_passed,
        ),
        "category": by(counts.by_category, "label"),
        "street": by(counts.by_street, "name"),
        "venue": by(counts.by_venue, "venue_id"),
        "month": by(counts.by_month, "month"),
    }


def test_the_tally_kept_by_the_services_agrees_with_a_recount(
    district, street, community, other_street, make_user
):
    """Bookings checked in, signed off (one mark changed from pass to fail), sessions closed, a
    person trained twice in a year and once the year before, a district-level session: the tally
    the services keep equals a recount from the bookings, and a rebuild changes nothing."""
    from portal.models import Area
    from training.models import Tally

    admin = make_user(Role.DISTRICT_ADMIN, district)
    venues = [
        factories.VenueFactory(area=street, name="甲"),
        factories.VenueFactory(area=other_street, name="乙"),
    ]
    regular = factories.PersonFactory()
    plan = [
        # (venue, session area, start, [(person, category, extinguisher, hydrant)])
        (venues[0], street, (YEAR - 1, 12, 20), [(regular, 4, "pass", "pass")]),
        (venues[0], community, (YEAR, 3, 3),
         [(regular, 4, "pass", "pass"), (None, 5, "pass", "fail"), (None, 6, None, None)]),
        (venues[1], other_street, (YEAR, 3, 9), [(regular, 4, "pass", "pass"), (None, 7, "fail", "pass")]),
        (venues[1], district, (YEAR, 11, 1), [(None, 1, "pass", "pass"), (None, 2, "pass", None)]),
    ]  # fmt: skip
    for venue, area, (y, m, d), trainees in plan:
        start = datetime.datetime(y, m, d, 1, tzinfo=datetime.UTC)
        session = factories.SessionFactory(
            venue=venue, area=area, starts_at=start, ends_at=start + datetime.timedelta(hours=2), capacity=9
        )
        with time_machine.travel(start, tick=False):
            for n, (person, category, fire, water) in enumerate(trainees):
                booking = factories.BookingFactory(
                    session=session, person=person or factories.PersonFactory(), category=category
                )
                code = services.booking_checkin_code(booking=booking)
                services.checkin_redeem(code=code, nonce=f"{session.pk}-{n}", scanned_by=admin)
                marks = {k: v for k, v in (("extinguisher", fire), ("hydrant", water)) if v}
                if marks:  # all passed first, then the real marks: a pass turned into a fail
                    first = dict.fromkeys(marks, "pass")
                    services.assessment_record(booking=booking, items=first, assessed_by=admin)
                    services.assessment_record(booking=booking, items=marks, assessed_by=admin)
            services.session_close(session=session, closed_by=admin)
    kept = _comparable(selectors.annual_counts(area=district, year=YEAR))
    assert kept == _comparable(selectors.annual_counts_recount(area=district, year=YEAR))
    # Six people trained this year (the regular once); passed: the regular and the category-1 person.
    assert kept["totals"] == (6, 2)
    assert kept["items"] == (5, 4, 4, 3)

    def rows():
        fields = ("district", "year", "dimension", "key", "trained", "passed", "fire", "hydrant")
        return sorted(r for r in Tally.objects.values_list(*fields) if any(r[4:]))

    before = rows()
    tally.rebuild()
    assert rows() == before
    last = _comparable(selectors.annual_counts(area=Area.objects.get(pk=district.pk), year=YEAR - 1))
    assert last["totals"] == (1, 1)


def test_metrics_are_registered(district, street, other_street):
    _fixture(street, other_street)
    assert metrics.actual(Metric.TRAINEES_PASSED_PER_YEAR, district=district, year=YEAR) == 3
    assert metrics.actual(Metric.TRAINEES_TRAINED_PER_YEAR, district=district, year=YEAR) == 5


def test_dashboard_query_count_is_flat(district, street, other_street):
    venue = factories.VenueFactory(area=street)
    sizes = []
    for n in (1, 12):
        for i in range(n):
            _attend(_session(venue, 1 + i % 12), items={"extinguisher": "pass"}, passed=False)
        with CaptureQueriesContext(connection) as queries:
            selectors.annual_counts(area=district, year=YEAR)
        sizes.append(len(queries))
    assert sizes[0] == sizes[1]


def test_annual_counts_xlsx_has_the_numbers(district, street, other_street):
    from io import BytesIO

    from openpyxl import load_workbook

    _fixture(street, other_street)
    workbook = load_workbook(
        BytesIO(selectors.annual_counts_xlsx(counts=selectors.annual_counts(area=district, year=YEAR)))
    )
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[2][1:3] == (5, 3)


def test_unit_staff_status_trained_this_year(street, make_user):
    unit = OrganisationFactory(area=street)
    venue = factories.VenueFactory(area=street)
    trained = factories.PersonFactory(organisation=unit)
    untrained = factories.PersonFactory(organisation=unit)
    with time_machine.travel(datetime.datetime(YEAR, 11, 23, tzinfo=datetime.UTC)):
        _attend(_session(venue, 4), person=trained, passed=True)
        rows = {
            p.pk: (p.trained_this_year, p.passed_this_year)
            for p in selectors.unit_staff_status(organisation=unit, year=YEAR)
        }
        status = selectors.person_training_status(person=trained, year=YEAR)
    assert rows == {trained.pk: (True, True), untrained.pk: (False, False)}
    assert status["trained_this_year"] and status["passed_this_year"]


def test_staff_lists_are_scoped_to_the_area(street, other_street, make_user):
    mine = factories.SessionFactory(venue=factories.VenueFactory(area=street))
    theirs = factories.SessionFactory(venue=factories.VenueFactory(area=other_street))
    trainer = make_user(Role.TRAINER, street)
    ids = set(selectors.sessions_for_staff(user=trainer).values_list("pk", flat=True))
    assert mine.pk in ids and theirs.pk not in ids


def test_certificate_pdf_shows_masked_holder_number_and_qr(
    session, trainer, private_media, tmp_path, django_capture_on_commit_callbacks
):
    person = factories.PersonFactory(name="欧阳明华")
    booking = factories.BookingFactory(session=session, person=person)
    services.checkin_redeem(
        session=session, code=services.booking_checkin_code(booking=booking), nonce="p", scanned_by=trainer
    )
    services.assessment_record(
        booking=booking, items={"extinguisher": "pass", "hydrant": "pass"}, assessed_by=trainer
    )
    with (
        time_machine.travel(session.starts_at + datetime.timedelta(minutes=130)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.session_close(session=session, closed_by=trainer)
    certificate = Certificate.objects.get()
    path = Path(settings.PRIVATE_MEDIA_ROOT) / certificate.pdf
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert mask_name(person.name) in text and certificate.number in text
    assert person.name not in text
    assert "物业服务企业职员" in text and session.venue.name in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    (png,) = tmp_path.glob("p*.png")
    with Image.open(png) as image:
        decoded = [b.text for b in zxingcpp.read_barcodes(image)]
    assert decoded == [portal_services.certificate_verify_url(certificate=certificate)]
    zipped = services.certificates_zip(user=trainer, session=session)
    assert certificate.number.encode() in zipped
    revoked = services.training_certificate_revoke(booking=booking, by=make_admin(session), reason="信息有误")
    assert revoked.status == Certificate.Status.REVOKED


def make_admin(session):
    from portal.tests.factories import UserFactory

    user = UserFactory()
    portal_services.role_assign(user=user, role=Role.DISTRICT_ADMIN, area=session.area.parent)
    return user


def test_sessions_by_street_channel_counts_per_street_and_channel(
    district, street, community, other_street, other_district_street, django_assert_num_queries
):
    from portal.models import Channel
    from training.models import Session

    schools = Channel.objects.get_or_create(code="school", defaults={"name": "进学校"})[0]
    community_channel = factories.channel()
    venue = factories.VenueFactory(area=street)
    at = datetime.datetime(YEAR, 4, 1, 9, tzinfo=datetime.UTC)

    def make(area, channel=community_channel, start=at, status=Session.Status.OPEN):
        factories.SessionFactory(
            venue=venue, area=area, channel=channel, starts_at=start, status=status, items=[]
        )

    make(street)
    make(community)  # below the street: counts for the street
    make(street, channel=schools)
    make(other_street, status=Session.Status.CLOSED)  # closed sessions still happened
    make(other_street, status=Session.Status.CANCELLED)  # cancelled: not counted
    make(district)  # district level: no street
    make(other_district_street)  # a street not asked for
    make(street, start=at - datetime.timedelta(days=200))  # before the window
    make(street, start=datetime.datetime(YEAR + 1, 1, 1, tzinfo=datetime.UTC))  # until is exclusive
    since = datetime.datetime(YEAR, 1, 1, tzinfo=datetime.UTC)
    until = datetime.datetime(YEAR + 1, 1, 1, tzinfo=datetime.UTC)
    with django_assert_num_queries(1):
        counts = selectors.sessions_by_street_channel(
            streets=[street, other_street.pk], since=since, until=until
        )
    assert counts == {
        (street.pk, community_channel.pk): 2,
        (street.pk, schools.pk): 1,
        (other_street.pk, community_channel.pk): 1,
    }
    assert selectors.sessions_by_street_channel(streets=[], since=since, until=until) == {}


def test_cancelling_a_session_after_check_in_takes_its_people_out_of_the_tally(district, street, make_user):
    admin = make_user(Role.DISTRICT_ADMIN, district)
    session = factories.SessionFactory(venue=factories.VenueFactory(area=street))
    booking = factories.BookingFactory(session=session)
    code = services.booking_checkin_code(booking=booking)
    services.checkin_redeem(code=code, nonce="c-1", scanned_by=admin)
    year = timezone.localtime(session.starts_at).year
    assert selectors.annual_counts(area=district, year=year).trained == 1
    services.session_cancel(session=session, by=admin, reason="暴雨")
    kept = selectors.annual_counts(area=district, year=year)
    assert kept.trained == 0
    assert _comparable(kept) == _comparable(selectors.annual_counts_recount(area=district, year=year))

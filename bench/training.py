"""Training benchmark (issue 3 "Speed"; ../shared/QUALITY.md P4, P5, P6, P8): check-in redeem,
booking create, the district's annual-count dashboard at 2 000 and 300 000 bookings, and the
training certificate PDF.

    bin/stack start            # once
    bin/bench training         # seeds bench_training once (a few minutes), then measures

Data: district L (300 streets, a venue in each, ~12 000 sessions over three years of every kind
and status, 300 000 bookings in every state, the practical items signed off, certificates' worth
of passes) and district S (10 streets, 2 000 bookings), in one database, so S and L are measured
in the same run against the same H. People go in with ``bulk_create`` (the model field encrypts
their ID numbers), bookings and assessments with PostgreSQL COPY; the dashboard's tally is then
rebuilt by ``training.tally.rebuild`` (the function the tests hold equal to a recount).

Every run makes a fresh session "now" with a fresh booking per check-in (each request redeems a
new valid code through ``POST /api/v1/checkin``) and a fresh session for booking
(``POST /api/v1/training/sessions/{id}/bookings`` by a unit manager, a new person each request).
"""

from __future__ import annotations

import datetime
import random
import secrets
import sys
import time

from bench.harness import Bench, bulk_areas, bulk_people, log

SEED_VERSION = "training-v1"
L_STREETS, L_PEOPLE, L_BOOKINGS = 300, 120_000, 300_000
S_STREETS, S_PEOPLE, S_BOOKINGS = 10, 1_500, 2_000
CATEGORIES = [1] * 3 + [2] * 15 + [3] * 12 + [4] * 25 + [5] * 20 + [6] * 20 + [7] * 5
KINDS = ["practical"] * 80 + ["night_school"] * 12 + ["open_day"] * 8
CHECKINS, BOOKINGS = 400, 300


def _copy(table: str, columns: str, rows) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _season(*, district, streets, people: list[int], bookings: int, trainer, channels, items, rng, now):
    """Sessions over the last three years (and the next two weeks) until ``bookings`` are made."""
    from django.db import connection

    from training.models import Session, Venue

    venues = Venue.objects.bulk_create(
        [Venue(name=f"{s.name}小型站", kind=Venue.Kind.SMALL_STATION, area=s, capacity=30) for s in streets]
    )
    span_days = 3 * 365
    sessions: list[Session] = []
    planned: list[int] = []
    total = 0
    while total < bookings:
        venue = venues[rng.randrange(len(venues))]
        future = rng.random() < 0.02
        day = (
            now + datetime.timedelta(days=rng.randint(1, 14))
            if future
            else now - datetime.timedelta(days=rng.randint(1, span_days))
        )
        start = day.replace(hour=rng.choice((1, 2, 6, 11)), minute=0, second=0, microsecond=0)
        capacity = rng.choice((20, 24, 30, 40))
        n = min(bookings - total, rng.randint(capacity - 8, capacity + 4))
        cancelled = not future and rng.random() < 0.02
        status = "open" if future else ("cancelled" if cancelled else "closed")
        sessions.append(
            Session(
                kind=rng.choice(KINDS),
                venue=venue,
                area=venue.area,
                channel=rng.choice(channels),
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                capacity=capacity,
                booking_closes_at=start,
                status=status,
                trainer=trainer,
                closed_at=start + datetime.timedelta(hours=2) if status == "closed" else None,
            )
        )
        planned.append(n)
        total += n
    sessions = Session.objects.bulk_create(sessions, batch_size=2000)
    through = Session.items.through
    through.objects.bulk_create(
        [
            through(session_id=s.pk, practicalitem_id=i.pk)
            for s in sessions
            if s.kind == "practical"
            for i in items
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM training_booking")
        next_id = cursor.fetchone()[0] + 1
    booking_rows, assessment_rows = [], []
    ext, hyd = items
    for session, n in zip(sessions, planned, strict=True):
        start, end = session.starts_at, session.ends_at
        for person in rng.sample(people, n):
            category = rng.choice(CATEGORIES)
            checked_in = passed = offer = cancelled_at = None
            roll = rng.random()
            if session.status == "cancelled":
                status, cancelled_at = "cancelled", start - datetime.timedelta(days=1)
            elif session.status == "open":
                status = (
                    "booked"
                    if roll < 0.8
                    else "waitlisted"
                    if roll < 0.88
                    else "offered"
                    if roll < 0.93
                    else "cancelled"
                )
                offer = now + datetime.timedelta(hours=rng.randint(1, 12)) if status == "offered" else None
                cancelled_at = now if status == "cancelled" else None
            else:
                status = "attended" if roll < 0.8 else "no_show" if roll < 0.9 else "cancelled"
                cancelled_at = start - datetime.timedelta(days=2) if status == "cancelled" else None
            if status == "attended":
                checked_in = start + datetime.timedelta(minutes=rng.randint(-20, 10))
                if session.kind == "practical":
                    fire, water = rng.random() < 0.93, rng.random() < 0.9
                    passed = fire and water
                    assessment_rows.append((next_id, ext.pk, "pass" if fire else "fail", trainer.pk, end))
                    assessment_rows.append((next_id, hyd.pk, "pass" if water else "fail", trainer.pk, end))
            booking_rows.append(
                (next_id, now, now, session.pk, person, category, None, None, status, offer, checked_in,
                 trainer.pk if checked_in else None, passed, cancelled_at, None)
            )  # fmt: skip
            next_id += 1
    _copy(
        "training_booking",
        "id, created_at, updated_at, session_id, person_id, category, organisation_id, booked_by_id, status, "
        "offer_expires_at, checked_in_at, checked_in_by_id, passed, cancelled_at, reminded_at",
        booking_rows,
    )
    _copy("training_assessment", "booking_id, item_id, result, assessed_by_id, assessed_at", assessment_rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('training_booking', 'id'), "
            "(SELECT MAX(id) FROM training_booking))"
        )
    return venues, len(sessions), len(booking_rows), len(assessment_rows)


def _staff(username: str, role: str, area):
    from portal import services
    from portal.models import User

    user = User.objects.create_user(username=username)
    services.role_assign(user=user, role=role, area=area)
    return user


def seed(bench: Bench) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.models import Channel, Organisation, Role
    from training import services, tally
    from training.models import Booking, PracticalItem

    rng = random.Random(3)
    now = timezone.now().replace(second=0, microsecond=0)
    started = time.perf_counter()
    with transaction.atomic():
        channels = [
            Channel.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in (
                ("community", "进社区"),
                ("enterprise", "进企业"),
                ("school", "进学校"),
                ("rural", "进农村"),
                ("family", "进家庭"),
            )
        ]
        items = [PracticalItem.objects.get(code=PracticalItem.EXTINGUISHER)]
        items.append(PracticalItem.objects.get(code=PracticalItem.HYDRANT))
        for code, name, streets, n_people, n_bookings, region in (
            ("bl", "训L区", L_STREETS, L_PEOPLE, L_BOOKINGS, "110105"),
            ("bs", "训S区", S_STREETS, S_PEOPLE, S_BOOKINGS, "110106"),
        ):
            district, street_areas = bulk_areas(code, name, streets)
            trainer = _staff(f"trainer_{code}", Role.TRAINER, district)
            _staff(f"admin_{code}", Role.DISTRICT_ADMIN, district)
            manager = _staff(f"manager_{code}", Role.UNIT_MANAGER, street_areas[0])
            unit = Organisation.objects.create(
                name=f"{name}示范物业公司", kind=Organisation.Kind.values[0], area=street_areas[0]
            )
            unit.managers.add(manager)
            people = [
                p.pk
                for p in bulk_people(
                    prefix=f"{name}学员", region=region, count=n_people, streets=street_areas
                )
            ]
            log(f"{name}: {len(street_areas)} streets, {len(people)} people")
            _venues, n_sessions, n_b, n_a = _season(
                district=district,
                streets=street_areas,
                people=people,
                bookings=n_bookings,
                trainer=trainer,
                channels=channels,
                items=items,
                rng=rng,
                now=now,
            )
            log(f"{name}: {n_sessions} sessions, {n_b} bookings, {n_a} assessments")
        t0 = time.perf_counter()
        rows = tally.rebuild()
        log(f"tally rebuilt: {rows} rows in {time.perf_counter() - t0:.1f} s")
        passed = (
            Booking.objects.filter(passed=True, session__area__path__startswith="/").order_by("-pk").first()
        )
        services.training_certificate_issue(booking_id=passed.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    bench.note("seed_seconds", round(time.perf_counter() - started, 1))
    bench.mark_seeded(SEED_VERSION)


def _fresh_checkin_session(district, trainer, n: int):
    """A session starting in ten minutes with ``n`` booked people, and their check-in codes."""
    from django.utils import timezone

    from portal.models import Area, Channel, Person
    from training import services
    from training.models import Booking, PracticalItem, Session, Venue

    street = Area.objects.filter(parent=district).order_by("pk").first()
    venue = Venue.objects.filter(area=street).first()
    start = timezone.now() + datetime.timedelta(minutes=10)
    session = Session.objects.create(
        venue=venue, area=street, channel=Channel.objects.get(code="community"), starts_at=start,
        ends_at=start + datetime.timedelta(hours=2), capacity=n, trainer=trainer,
    )  # fmt: skip
    session.items.set(PracticalItem.objects.filter(code__in=PracticalItem.STANDARD_CODES))
    people = (
        Person.objects.filter(area__path__startswith=district.path)
        .order_by("?")
        .values_list("pk", flat=True)[:n]
    )
    bookings = Booking.objects.bulk_create(
        [Booking(session=session, person_id=p, category=4) for p in people]
    )
    return session, [services.booking_checkin_code(booking=b) for b in bookings]


def _residents(district, n: int):
    """``n`` fresh resident accounts, each with a person and a remembered category."""
    from portal import services
    from portal.models import Person, Role, User
    from training.models import TraineeProfile

    stamp = secrets.token_hex(3)
    users = User.objects.bulk_create([User(username=f"r{stamp}{i:04d}") for i in range(n)])
    for user in users:
        services.role_assign(user=user, role=Role.RESIDENT, area=None)
    free = Person.objects.filter(area__path__startswith=district.path, user__isnull=True).order_by("?")[:n]
    people = list(free)
    for person, user in zip(people, users, strict=True):
        person.user = user
    Person.objects.bulk_update(people, ["user"])
    TraineeProfile.objects.bulk_create(
        [TraineeProfile(person=p, category=4) for p in people], ignore_conflicts=True
    )
    return users


def measure(bench: Bench) -> None:
    from django.db import connection
    from django.utils import timezone

    from portal import pdf
    from portal import services as kernel
    from portal.celery import app
    from portal.models import Area, Certificate, CertificateKind, User
    from training import selectors
    from training.models import Booking, Session

    # Jobs (confirmation SMS, certificate PDFs) go to a broker, as in production, not run inline:
    # an in-memory broker stands in for Redis. The PDF job is measured on its own below.
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"

    district_l = Area.objects.get(code="bl")
    district_s = Area.objects.get(code="bs")
    for label, district in (("L", district_l), ("S", district_s)):
        bench.note(
            f"bookings in district {label}",
            Booking.objects.filter(session__area__path__startswith=district.path).count(),
        )
    bench.note("bookings in all", Booking.objects.count())
    bench.note("sessions in all", Session.objects.count())
    year = timezone.localdate().year
    bench.note(
        f"district L, {year}: attended bookings",
        Booking.objects.filter(
            session__area__path__startswith=district_l.path, status="attended", session__starts_at__year=year
        ).count(),
    )

    # -- P8: the training certificate PDF (the kernel's render job: query, render, write) -----------
    certificate = Certificate.objects.filter(kind=CertificateKind.TRAINING).latest("pk")

    def render():
        Certificate.objects.filter(pk=certificate.pk).update(pdf="")
        return kernel.certificate_render(certificate_id=certificate.pk)

    pdf._register_font.cache_clear()  # time the font load the first render of a process pays
    t0 = time.perf_counter()
    render()
    bench.note(
        "certificate PDF, first render in the process (font load included), ms",
        round((time.perf_counter() - t0) * 1000, 1),
    )
    bench.measure("certificate PDF render job (warm)", render, n=60, warmup=3)
    captured = {}
    original = pdf.render_certificate

    def capture(document):
        captured["document"] = document
        return original(document)

    pdf.render_certificate = capture
    render()
    pdf.render_certificate = original
    document = captured["document"]
    bench.measure("certificate PDF, render only", lambda: pdf.render_certificate(document), n=60, warmup=3)
    bench.note("certificate PDF bytes", len(pdf.render_certificate(document)))

    # -- P4: check-in redeem, a fresh valid code each request ---------------------------------------
    trainer = User.objects.get(username="trainer_bl")
    session, codes = _fresh_checkin_session(district_l, trainer, CHECKINS + 10)
    scanner = bench.client(user=trainer)
    queue = iter(codes)

    def checkin():
        response = scanner.post(
            "/api/v1/checkin",
            {"code": next(queue), "nonce": secrets.token_hex(8), "session": session.pk},
            content_type="application/json",
        )
        assert response.status_code == 200 and response.json()["result"] == "ok", response.content
        return response

    bench.measure("check-in redeem (POST /api/v1/checkin)", checkin, n=CHECKINS, warmup=10)

    # -- P5: booking create against one session -----------------------------------------------------
    from portal import validators

    manager = User.objects.get(username="manager_bl")
    street = Area.objects.filter(parent=district_l).order_by("pk").first()
    start = timezone.now() + datetime.timedelta(days=3)
    target = Session.objects.create(
        venue=session.venue, area=street, channel=session.channel, starts_at=start,
        ends_at=start + datetime.timedelta(hours=2), capacity=BOOKINGS + 20, booking_closes_at=start,
    )  # fmt: skip
    booker = bench.client(user=manager)
    rng = random.Random()
    base = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(15_000))
    serial = iter(range(BOOKINGS + 20))

    def book():
        n = next(serial)
        first17 = f"110108{base + datetime.timedelta(days=n):%Y%m%d}{rng.randrange(100, 999)}"
        response = booker.post(
            f"/api/v1/training/sessions/{target.pk}/bookings",
            {"person": {"name": f"员工{n:04d}", "phone": f"139{rng.randrange(10**8):08d}",
                        "id_number": first17 + validators.id_check_digit(first17), "category": 5}},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 201, response.content
        return response

    bench.measure("booking create (unit manager, new person)", book, n=BOOKINGS, warmup=10)

    # Residents booking themselves (empty body) on one session: the path that races for seats.
    residents = _residents(district_l, BOOKINGS + 10)
    clients = iter([bench.client(user=user) for user in residents])
    mine = Session.objects.create(
        venue=session.venue, area=street, channel=session.channel, starts_at=start,
        ends_at=start + datetime.timedelta(hours=2), capacity=BOOKINGS + 20, booking_closes_at=start,
    )  # fmt: skip

    def book_self():
        response = next(clients).post(
            f"/api/v1/training/sessions/{mine.pk}/bookings", {}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return response

    bench.measure("booking create (resident, self, empty body)", book_self, n=BOOKINGS, warmup=10)

    # -- P6: the annual-count dashboard, uncached, S and L ------------------------------------------
    for label, code in (("S", "bs"), ("L", "bl")):
        admin = bench.client(user=User.objects.get(username=f"admin_{code}"))
        bench.measure(
            f"dashboard page {label} (GET /training/dashboard/)",
            lambda admin=admin: admin.get("/training/dashboard/"),
            n=200,
        )
    admin = bench.client(user=User.objects.get(username="admin_bl"))
    bench.measure(
        "dashboard xlsx export L", lambda: admin.get("/training/dashboard/", {"format": "xlsx"}), n=50
    )
    for label, district in (("S", district_s), ("L", district_l)):
        bench.measure(
            f"annual_counts selector {label}",
            lambda district=district: selectors.annual_counts(area=district, year=year),
            n=200,
        )
    # The recount the tally replaced (what the dashboard did before), for comparison.
    bench.measure(
        "annual_counts_recount L (before the tally)",
        lambda: selectors.annual_counts_recount(area=district_l, year=year),
        n=3,
        warmup=1,
    )
    connection.close()


def main() -> None:
    bench = Bench("training")
    if not bench.seeded(SEED_VERSION):
        seed(bench)
    measure(bench)
    bench.report()


if __name__ == "__main__":
    sys.exit(main())

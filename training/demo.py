"""Demo data for training: 西城's 小型站 (names from the district plan's list), a training base, a
season of sessions around 2026-11-23 (119消防宣传月), bookings in every state and issued
certificates. Idempotent: a second run changes nothing. Quick: a few dozen rows."""

import datetime

from django.db import transaction
from django.utils import timezone

from portal.demo import demo_id_number
from portal.models import Area, Channel, Organisation, Person, User
from portal.services import person_create
from training import services, tally
from training.models import Assessment, Booking, PracticalItem, Session, TraineeProfile, Venue

# name, kind, street code, address — the 小型站 names and streets are from the 西城 plan's list.
VENUES = [
    ("金融街小型站", Venue.Kind.SMALL_STATION, "xc-jrj", "西城区金融街街道辖区"),
    ("德胜门内小型站", Venue.Kind.SMALL_STATION, "xc-sch", "西城区什刹海街道辖区"),
    ("裕民路小型站", Venue.Kind.SMALL_STATION, "xc-ds", "西城区德胜街道辖区"),
    ("安澜营小型站", Venue.Kind.SMALL_STATION, "xc-dsl", "西城区大栅栏街道辖区"),
    ("西绒线小型站", Venue.Kind.SMALL_STATION, "xc-xcaj", "西城区西长安街街道辖区"),
    ("西城区一警六员消防实训基地", Venue.Kind.TRAINING_BASE, "xc-jrj", "西城区太平桥大街（示例地址）"),
]

TRAINEES = [
    ("王建国", 5), ("李秀英", 4), ("张伟", 4), ("刘芳", 6), ("陈强", 5), ("杨敏", 2),
    ("赵磊", 3), ("黄丽", 6), ("周杰", 7), ("吴静", 4), ("徐明", 5), ("孙娜", 1),
]  # fmt: skip


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def _people(area: Area, unit: Organisation) -> list[Person]:
    people = []
    for index, (name, category) in enumerate(TRAINEES):
        number = demo_id_number("110102", datetime.date(1970 + index * 2, 3, 1 + index), f"{200 + index:03d}")
        person = Person.objects.filter(name=name, organisation=unit).first() or person_create(
            name=name, id_number=number, phone=f"1390000{index:04d}", organisation=unit, area=area
        )
        TraineeProfile.objects.get_or_create(person=person, defaults={"category": category})
        people.append(person)
    return people


@transaction.atomic
def seed() -> None:
    if Venue.objects.filter(name=VENUES[0][0]).exists():
        return
    streets = {a.code: a for a in Area.objects.filter(code__in={v[2] for v in VENUES})}
    trainer = User.objects.get(username="trainer")
    channel = Channel.objects.get(code="community")
    enterprise = Channel.objects.filter(code="enterprise").first() or channel
    venues = {}
    for name, kind, code, address in VENUES:
        venue = Venue.objects.create(name=name, kind=kind, area=streets[code], address=address, capacity=20)
        venue.trainers.add(trainer)
        venues[name] = venue
    drill, _ = PracticalItem.objects.get_or_create(
        code="escape_mask", defaults={"name": "消防过滤式自救呼吸器佩戴", "sort_order": 30}
    )
    base = venues["西城区一警六员消防实训基地"]
    base.extra_items.add(drill)
    station = venues["金融街小型站"]
    unit = Organisation.objects.filter(area=streets["xc-jrj"]).order_by("pk").first()
    people = _people(streets["xc-jrj"], unit)
    today = datetime.date(2026, 11, 23)

    def make(venue, day, hour, kind=Session.Kind.PRACTICAL, capacity=10, ch=channel, title=""):
        return services.session_create(
            venue=venue, kind=kind, starts_at=_at(day, hour), ends_at=_at(day, hour + 2), channel=ch,
            created_by=trainer, capacity=capacity, title=title,
        )  # fmt: skip

    # Past sessions of November: held, signed off, closed → certificates.
    past = [make(station, today - datetime.timedelta(days=d), 9, ch=enterprise) for d in (20, 13, 6)]
    for number, session in enumerate(past):
        trainees = people[number * 4 : number * 4 + 4]
        for i, person in enumerate(trainees):
            attended = i < 3
            booking = Booking.objects.create(
                session=session, person=person, category=person.trainee_profile.category, organisation=unit,
                status=Booking.Status.ATTENDED if attended else Booking.Status.BOOKED,
                checked_in_at=session.starts_at + datetime.timedelta(minutes=5 + i) if attended else None,
                checked_in_by=trainer if attended else None,
            )  # fmt: skip
            if attended:
                for item in session.items.all():
                    result = "fail" if (i == 2 and item.code == PracticalItem.HYDRANT) else "pass"
                    Assessment.objects.create(
                        booking=booking,
                        item=item,
                        result=result,
                        assessed_by=trainer,
                        assessed_at=session.ends_at,
                    )
        services.session_close(session=session, closed_by=trainer)  # no-show + certificates

    # This week and next: open for booking.
    upcoming = [make(station, today + datetime.timedelta(days=d), 9) for d in (1, 3, 8, 10)]
    make(base, today + datetime.timedelta(days=2), 14, capacity=30)
    full = make(station, today + datetime.timedelta(days=4), 9, capacity=2)
    make(
        venues["德胜门内小型站"],
        today + datetime.timedelta(days=5),
        19,
        kind=Session.Kind.NIGHT_SCHOOL,
        capacity=40,
    )
    make(
        venues["西绒线小型站"],
        today + datetime.timedelta(days=5),
        10,
        kind=Session.Kind.OPEN_DAY,
        capacity=30,
    )
    # A session running today, so the trainer's check-in page has people to scan.
    running = make(station, today, 14, capacity=12, title="一警六员实操实训（今日）")
    for person in people[:6]:
        Booking.objects.create(session=running, person=person, category=person.trainee_profile.category,
                               organisation=unit)  # fmt: skip
    # Every state on upcoming sessions.
    Booking.objects.create(session=upcoming[1], person=people[0], category=5, organisation=unit)
    Booking.objects.create(
        session=upcoming[1], person=people[1], category=4, organisation=unit,
        status=Booking.Status.CANCELLED, cancelled_at=timezone.now(),
    )  # fmt: skip
    for person in people[2:4]:
        Booking.objects.create(session=full, person=person, category=4, organisation=unit)
    Booking.objects.create(
        session=full, person=people[4], category=5, organisation=unit, status=Booking.Status.OFFERED,
        offer_expires_at=_at(today + datetime.timedelta(days=1), 20),
    )  # fmt: skip
    Session.objects.filter(pk=full.pk).update(capacity=3)
    Booking.objects.create(session=full, person=people[5], category=2, organisation=unit,
                           status=Booking.Status.WAITLISTED)  # fmt: skip
    # The demo resident (刘洋) books with an empty form: they have a category already.
    resident = Person.objects.filter(user__username="resident").first()
    if resident is not None:
        TraineeProfile.objects.get_or_create(person=resident, defaults={"category": 2})
        Booking.objects.create(session=upcoming[2], person=resident, category=2, booked_by=resident.user)
    # Attendance above was written directly: recount the dashboard's tally from the bookings.
    tally.rebuild()

"""The guard tests' world: two districts, each with one record of every kind staff act on, and a
user for every role in the first ("own") district.

Built once per test module (``guard_world`` fixture in the test files, through
``django_db_blocker``) with the apps' own factories and services, never ``seed_demo``. The
personal data are distinctive, so a grep over everything a test collected finds any leak:
``SECRET_IDS`` and ``SECRET_PHONES`` are full numbers that must never appear unmasked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from portal import services as portal_services
from portal.models import Area, Certificate, CertificateKind, Organisation, Person, Role, User
from portal.tests.factories import AreaFactory, UserFactory, resident_id_number
from training import services as training_services
from training.models import Booking, Session, TraineeProfile, Venue
from training.tests.factories import SessionFactory, VenueFactory
from training.tests.factories import channel as training_channel
from volunteers import services as volunteer_services
from volunteers.models import Activity, ServiceRecord, SignUp, Team, VolunteerProfile

PASSWORD = "correct-horse-119"


def _id(n: int, birth_year: int = 1971) -> str:
    # 110102 = 西城区; distinctive birth dates and sequences, valid check digits.
    return resident_id_number(birth=datetime.date(birth_year, 3, n), sequence=700 + n)


@dataclass
class Side:
    """One district's records."""

    district: Area
    street: Area
    community: Area
    venue: Venue = None
    session: Session = None
    booking: Booking = None
    booking_code: str = ""
    trainee: Person = None
    trainee_user: User = None
    organisation: Organisation = None
    certificate: Certificate = None
    team: Team = None
    activity: Activity = None
    volunteer: VolunteerProfile = None
    volunteer_user: User = None
    record: ServiceRecord = None
    staff: dict[str, User] = field(default_factory=dict)


@dataclass
class World:
    own: Side
    other: Side
    users: dict[str, User | None]
    secret_ids: list[str]
    secret_phones: list[str]
    courses: object = None

    def side(self, which: str) -> Side:
        return self.own if which == "own" else self.other


def _user(role: str | None, area: Area | None, *, phone: str = "", **kwargs) -> User:
    user = UserFactory(**kwargs)
    if role:
        portal_services.role_assign(user=user, role=role, area=area)
    if phone:
        portal_services.user_set_phone(user=user, phone=phone, verified=True)
    return user


def _side(tag: str, n: int) -> tuple[Side, list[str], list[str]]:
    district = AreaFactory(name=f"守卫{tag}区", code=f"g{tag}", resident_population=100_000)
    street = AreaFactory(name=f"守卫{tag}街道", code=f"g{tag}-s", parent=district)
    community = AreaFactory(name=f"守卫{tag}社区", code=f"g{tag}-s-c", parent=street)
    side = Side(district=district, street=street, community=community)
    ids, phones = [], []

    coordinator = _user(Role.STREET_COORDINATOR, street, username=f"coord-{tag}")
    leader = _user(Role.TEAM_LEADER, street, username=f"leader-{tag}")
    trainer = _user(Role.TRAINER, street, username=f"trainer-{tag}")
    manager = _user(Role.UNIT_MANAGER, street, username=f"manager-{tag}")
    admin = _user(Role.DISTRICT_ADMIN, district, username=f"admin-{tag}")
    editor = _user(Role.EDITOR, district, username=f"editor-{tag}")
    side.staff = {
        Role.STREET_COORDINATOR: coordinator,
        Role.TEAM_LEADER: leader,
        Role.TRAINER: trainer,
        Role.UNIT_MANAGER: manager,
        Role.DISTRICT_ADMIN: admin,
        Role.EDITOR: editor,
    }

    # Training: a venue and a session in the street, a resident booked on it.
    side.venue = VenueFactory(area=street, name=f"守卫{tag}小型消防站")
    side.session = SessionFactory(venue=side.venue, capacity=5)
    trainee_phone, trainee_id = f"1381119{n}001", _id(n)
    side.trainee_user = _user(Role.RESIDENT, None, username=f"trainee-{tag}", phone=trainee_phone)
    side.trainee = portal_services.person_create(
        name=f"培训{tag}", id_number=trainee_id, phone=trainee_phone, area=community, user=side.trainee_user
    )
    TraineeProfile.objects.create(person=side.trainee, category=4)
    side.booking = Booking.objects.create(
        session=side.session, person=side.trainee, category=4, booked_by=side.trainee_user
    )
    side.booking_code = training_services.booking_checkin_code(booking=side.booking)
    ids.append(trainee_id)
    phones.append(trainee_phone)

    # A unit with its safety manager.
    side.organisation = Organisation.objects.create(
        name=f"守卫{tag}物业服务有限公司", kind="property", area=street
    )
    side.organisation.managers.add(manager)

    # A certificate of the trainee (issued as the session's close would).
    side.certificate = portal_services.certificate_issue(
        kind=CertificateKind.TRAINING,
        district=district,
        holder=side.trainee,
        title="一警六员消防技能培训合格证书",
        issuer_name=f"守卫{tag}消防救援支队",
        details=[{"heading": "培训", "lines": [["项目", "灭真火、出真水"]]}],
        source=side.booking,
    )

    # Its PDF (content irrelevant here; tests/test_guard_pii.py renders real ones).
    from django.conf import settings

    pdf = Path(settings.PRIVATE_MEDIA_ROOT) / "guard" / f"{side.certificate.number}.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4 guard")
    Certificate.objects.filter(pk=side.certificate.pk).update(pdf=f"guard/{side.certificate.number}.pdf")
    side.certificate.refresh_from_db()

    # Volunteers: a team led by the leader, an open activity, an approved volunteer signed up,
    # and a pending service record of theirs (the activity then moved into the past).
    side.team = volunteer_services.team_create(
        name=f"守卫{tag}志愿服务队", kind=Team.Kind.STREET, area=street, by=None, leaders=[leader]
    )
    start = timezone.now() + datetime.timedelta(days=2)
    side.activity = volunteer_services.activity_publish(
        team=side.team,
        by=None,
        title=f"守卫{tag}社区消防宣传",
        activity_type="publicity",
        channel=training_channel(),
        area=street,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        capacity=10,
    )
    volunteer_phone, volunteer_id = f"1391119{n}002", _id(n + 10)
    side.volunteer_user = _user(None, None, username=f"volunteer-{tag}", phone=volunteer_phone)
    profile = volunteer_services.volunteer_register(
        user=side.volunteer_user,
        street=street,
        community=community,
        name=f"志愿{tag}",
        id_number=volunteer_id,
        emergency_contact_name="王家属",
        emergency_contact_phone=f"1371119{n}003",
        notice_consent=True,
        id_consent=True,
        skills=["first_aid"],
        availability=["weekend"],
    )
    side.volunteer = volunteer_services.volunteer_approve(profile=profile, by=coordinator)
    volunteer_services.signup_create(user=side.volunteer_user, activity=side.activity)
    past = timezone.now() - datetime.timedelta(hours=5)
    Activity.objects.filter(pk=side.activity.pk).update(
        starts_at=past, ends_at=past + datetime.timedelta(hours=3)
    )
    side.activity.refresh_from_db()
    side.record = volunteer_services.service_record_declare(
        user=side.volunteer_user,
        activity=side.activity,
        started_at=side.activity.starts_at,
        ended_at=side.activity.ends_at,
    )
    ids.append(volunteer_id)
    phones += [volunteer_phone, f"1371119{n}003"]
    assert SignUp.objects.filter(activity=side.activity).count() == 1
    return side, ids, phones


def build_world() -> World:
    own, ids_a, phones_a = _side("a", 1)
    other, ids_b, phones_b = _side("b", 2)
    users: dict[str, User | None] = {"anonymous": None}
    users["plain"] = _user(None, None, username="plain")
    users[Role.RESIDENT] = own.trainee_user
    users[Role.VOLUNTEER] = own.volunteer_user
    users.update(own.staff)
    users["superuser"] = User.objects.create_superuser(
        username="guard-root", email="root@guard.example", password=PASSWORD
    )
    assert ContentType.objects.get_for_model(Booking)  # content types exist for the registry
    return World(
        own=own,
        other=other,
        users=users,
        secret_ids=ids_a + ids_b,
        secret_phones=phones_a + phones_b,
    )


def add_courses(world: World) -> None:
    """A course with a lesson and a quiz in the own district, and one attempt each by the own
    and the other side's resident."""
    from types import SimpleNamespace

    from courses import services as course_services
    from courses.models import Learner
    from courses.tests.factories import QuestionFactory, course_index, course_with_lessons

    for _ in range(12):
        QuestionFactory()
    _course, lessons, quiz = course_with_lessons(
        index=course_index(district=world.own.district), slug="guard", lessons=1, question_count=10
    )
    from wagtail.models import Site

    Site.objects.update_or_create(
        hostname="guard.example",
        defaults={
            "root_page": lessons[0].get_parent().get_parent().get_parent(),
            "port": 80,
            "is_default_site": False,
            "site_name": "guard",
        },
    )
    attempts = {}
    for which in ("own", "other"):
        user = world.side(which).trainee_user
        learner = Learner.objects.create(user=user, area=world.side(which).street)
        attempts[which] = course_services.attempt_start(learner=learner, quiz=quiz)
    world.courses = SimpleNamespace(quiz=quiz, lesson=lessons[0], attempts=attempts)


def module_fixture(*, courses: bool = False, also=None):
    """The ``guard_world`` fixture of a test module: ``guard_world = module_fixture()``.

    The world is built once per module inside a transaction rolled back at the module's end;
    each test runs in its own savepoint on top of it (pytest-django's ``db``)."""

    @pytest.fixture(scope="module")
    def guard_world(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            world = build_world()
            if courses:
                add_courses(world)
            if also is not None:
                also(world)
            yield world
            transaction.set_rollback(True)

    return guard_world

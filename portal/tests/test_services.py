import datetime
import sys
import time
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from portal import crypto, selectors, services
from portal.errors import PermissionDenied, PortalError
from portal.models import Area, AuditEntry, OutboxMessage, Person, Role, User
from portal.tests.conftest import celery_use_broker
from portal.tests.factories import (
    AreaFactory,
    PersonFactory,
    UserFactory,
    _unique_id_number,
    resident_id_number,
)

pytestmark = pytest.mark.django_db

ID_NUMBER = "110102198805170622"  # born 1988-05-17, 17th digit even: female
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
NINE_AM = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def _field_codes(exc: pytest.ExceptionInfo[ValidationError], field: str) -> list[str | None]:
    return [error.code for error in exc.value.error_dict[field]]


# ------------------------------------------------------------------------------
# area_create
# ------------------------------------------------------------------------------
def test_district_is_a_root_with_its_own_path():
    district = services.area_create(name="西城区", code="xc", resident_population=1_106_000)

    assert district.level == Area.Level.DISTRICT
    assert district.parent is None
    assert district.path == f"/{district.pk}/"
    assert Area.objects.get(pk=district.pk).path == district.path
    assert district.district_id == district.pk


def test_each_child_sits_one_level_below_with_the_parents_path_as_prefix(district):
    street = services.area_create(name="金融街街道", code="xc-jrj", parent=district)
    community = services.area_create(name="丰盛社区", code="xc-jrj-fs", parent=street)
    grid = services.area_create(name="第一网格", code="xc-jrj-fs-1", parent=community)

    assert [street.level, community.level, grid.level] == [
        Area.Level.STREET,
        Area.Level.COMMUNITY,
        Area.Level.GRID,
    ]
    assert street.path == f"{district.path}{street.pk}/"
    assert community.path == f"{street.path}{community.pk}/"
    assert grid.path == f"{community.path}{grid.pk}/"
    assert Area.objects.get(pk=grid.pk).path == f"/{district.pk}/{street.pk}/{community.pk}/{grid.pk}/"
    assert grid.is_within(district) and grid.is_within(street)
    assert grid.district_id == district.pk


def test_grid_cannot_contain_children_and_nothing_is_saved(community):
    grid = services.area_create(name="第一网格", code="grid-1", parent=community)
    count = Area.objects.count()

    with pytest.raises(PortalError) as exc:
        services.area_create(name="楼门", code="grid-1-a", parent=grid)

    assert exc.value.code == "AREA_TOO_DEEP"
    assert Area.objects.count() == count


def test_area_code_is_unique(district):
    with pytest.raises(ValidationError) as exc:
        services.area_create(name="另一个西城区", code="xc")

    assert "code" in exc.value.error_dict


def test_sibling_areas_need_different_names(street):
    with pytest.raises(ValidationError):
        services.area_create(name="金融街街道", code="xc-jrj-2", parent=street.parent)


def test_area_path_prefix_does_not_confuse_ids_sharing_leading_digits(district):
    """/1/ must not count /12/ as inside it: paths end with a slash for exactly this reason."""
    streets = [AreaFactory(parent=district) for _ in range(12)]

    inside_first = Area.objects.filter(path__startswith=streets[0].path)

    assert list(inside_first) == [streets[0]]


# ------------------------------------------------------------------------------
# person_create
# ------------------------------------------------------------------------------
def test_person_is_created_masked_hashed_and_with_birth_date_and_gender(community):
    person = services.person_create(
        name=" 陈静 ", id_number=ID_NUMBER, phone="+86 139 1234 5678", area=community
    )

    person.refresh_from_db()
    assert person.name == "陈静"
    assert person.id_number == ID_NUMBER
    assert person.id_number_masked == "110102********0622"
    assert person.id_number_hash == selectors.id_number_hash(
        id_type=Person.IdType.RESIDENT_ID, id_number=ID_NUMBER
    )
    assert person.phone == "13912345678"
    assert person.phone_masked == "139****5678"
    assert person.phone_hash == crypto.keyed_hash("13912345678")
    assert person.birth_date == datetime.date(1988, 5, 17)
    assert person.gender == Person.Gender.FEMALE
    assert str(person) == "陈静（110102********0622）"
    assert selectors.person_find(id_type=Person.IdType.RESIDENT_ID, id_number=ID_NUMBER) == person


def test_odd_seventeenth_digit_is_male():
    number = resident_id_number(birth=datetime.date(1975, 9, 3), sequence=31)

    assert services.person_create(name="刘洋", id_number=number).gender == Person.Gender.MALE


def test_lowercase_x_is_stored_upper_case():
    person = services.person_create(name="张三", id_number="11010519491231002x")

    assert person.id_number == "11010519491231002X"


def test_same_id_number_twice_is_refused_whatever_its_spelling():
    services.person_create(name="张三", id_number="11010519491231002X")
    count = Person.objects.count()

    with pytest.raises(PortalError) as exc:
        services.person_create(name="张叁", id_number=" 11010519491231002x")

    assert exc.value.code == "PERSON_EXISTS"
    assert exc.value.field == "id_number"
    assert Person.objects.count() == count


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("110102198805170623", "id_checksum"),
        ("110102198802300620", "id_birth"),
        ("11010219880517062", "id_format"),
    ],
)
def test_invalid_id_number_raises_a_field_error_with_its_code_and_saves_nothing(id_number, code):
    count = Person.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.person_create(name="陈静", id_number=id_number, phone="13912345678")

    assert _field_codes(exc, "id_number") == [code]
    assert Person.objects.count() == count


@pytest.mark.parametrize("phone", ["12345", "12812345678", "+1 415 555 0100"])
def test_invalid_phone_raises_a_field_error_and_saves_nothing(phone):
    count = Person.objects.count()

    with pytest.raises(ValidationError) as exc:
        services.person_create(name="陈静", id_number=ID_NUMBER, phone=phone)

    assert _field_codes(exc, "phone") == ["phone_format"]
    assert Person.objects.count() == count


def test_blank_name_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.person_create(name="  ", id_number=ID_NUMBER)

    assert _field_codes(exc, "name") == ["name_required"]
    assert not Person.objects.exists()


def test_passport_holder_has_no_derived_birth_date_and_a_masked_number():
    person = services.person_create(
        name="Anna Schmidt", id_type=Person.IdType.PASSPORT, id_number="c01x00t47"
    )

    assert person.id_number == "C01X00T47"
    assert person.id_number_masked == "C0*****47"
    assert person.birth_date is None
    assert person.gender == Person.Gender.UNKNOWN


def test_same_number_on_different_document_types_are_different_people():
    services.person_create(name="甲", id_type=Person.IdType.PASSPORT, id_number="E12345678")
    services.person_create(name="乙", id_type=Person.IdType.HK_MACAO_PERMIT, id_number="E12345678")

    assert Person.objects.count() == 2


@pytest.mark.parametrize("number", ["12345", "E1234567890123456789X", "E1234-678"])
def test_malformed_document_number_is_refused(number):
    with pytest.raises(ValidationError) as exc:
        services.person_create(name="甲", id_type=Person.IdType.PASSPORT, id_number=number)

    assert _field_codes(exc, "id_number") == ["id_format"]


# ------------------------------------------------------------------------------
# person_reveal_id_number
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("viewer_fixture", ["street_coordinator", "district_admin", "superuser"])
def test_staff_responsible_for_the_area_see_the_full_number_and_it_is_audited(
    request, person, viewer_fixture
):
    viewer = request.getfixturevalue(viewer_fixture)

    number = services.person_reveal_id_number(person=person, viewer=viewer, reason="核对培训报名")

    assert number == person.id_number
    entry = AuditEntry.objects.get(action="portal.person.id_number_viewed")
    assert entry.actor == viewer
    assert entry.target == person
    assert entry.area == person.area
    assert entry.data == {"reason": "核对培训报名"}
    assert person.id_number not in str(entry.data)


@pytest.mark.parametrize(
    "viewer_fixture", ["other_street_coordinator", "other_district_admin", "resident", "volunteer"]
)
def test_anyone_else_is_refused_and_nothing_is_audited(request, person, viewer_fixture):
    viewer = request.getfixturevalue(viewer_fixture)

    with pytest.raises(PermissionDenied) as exc:
        services.person_reveal_id_number(person=person, viewer=viewer, reason="好奇")

    assert exc.value.code == "PII_FORBIDDEN"
    assert exc.value.status == 403
    assert not AuditEntry.objects.filter(action="portal.person.id_number_viewed").exists()


def test_person_without_an_area_is_revealed_to_no_one(superuser):
    person = PersonFactory(area=None)

    with pytest.raises(PermissionDenied) as exc:
        services.person_reveal_id_number(person=person, viewer=superuser, reason="核对")

    assert exc.value.code == "PII_FORBIDDEN"


# ------------------------------------------------------------------------------
# role_assign
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role", [Role.STREET_COORDINATOR, Role.DISTRICT_ADMIN, Role.TRAINER, Role.TEAM_LEADER, Role.EDITOR]
)
def test_staff_role_without_an_area_is_refused(role):
    user = UserFactory()

    with pytest.raises(PortalError) as exc:
        services.role_assign(user=user, role=role)

    assert exc.value.code == "ROLE_NEEDS_AREA"
    assert not user.groups.exists()


def test_staff_role_with_an_area_joins_the_group_and_sets_the_area(street):
    user = UserFactory()
    assert not user.has_role(Role.STREET_COORDINATOR)

    services.role_assign(user=user, role=Role.STREET_COORDINATOR, area=street)

    assert user.has_role(Role.STREET_COORDINATOR)
    user = User.objects.get(pk=user.pk)
    assert user.area == street
    assert user.has_role(Role.STREET_COORDINATOR)


def test_second_staff_role_reuses_the_area_already_held(street):
    user = UserFactory()
    services.role_assign(user=user, role=Role.STREET_COORDINATOR, area=street)

    services.role_assign(user=user, role=Role.TEAM_LEADER)

    assert user.role_codes == {Role.STREET_COORDINATOR, Role.TEAM_LEADER}
    assert User.objects.get(pk=user.pk).area == street


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.VOLUNTEER])
def test_residents_and_volunteers_need_no_area(role):
    user = UserFactory()

    services.role_assign(user=user, role=role)

    assert user.role_codes == {role}
    assert user.area is None


# ------------------------------------------------------------------------------
# user_set_phone
# ------------------------------------------------------------------------------
def test_phone_is_normalised_masked_and_hashed():
    user = UserFactory()

    services.user_set_phone(user=user, phone="+86 138 0013 8000", verified=True)

    user = User.objects.get(pk=user.pk)
    assert user.phone == "13800138000"
    assert user.phone_masked == "138****8000"
    assert user.phone_hash == crypto.keyed_hash("13800138000")
    assert user.phone_verified is True


def test_phone_verified_on_another_account_is_taken():
    owner = UserFactory()
    services.user_set_phone(user=owner, phone="13800138000", verified=True)
    claimant = UserFactory()

    with pytest.raises(PortalError) as exc:
        services.user_set_phone(user=claimant, phone="138 0013 8000", verified=True)

    assert exc.value.code == "PHONE_TAKEN"
    assert User.objects.get(pk=owner.pk).phone == "13800138000"
    assert User.objects.get(pk=claimant.pk).phone_hash is None


def test_unverified_claim_moves_to_the_account_that_claims_the_number_next():
    squatter = UserFactory()
    services.user_set_phone(user=squatter, phone="13800138000", verified=False)
    owner = UserFactory()

    services.user_set_phone(user=owner, phone="13800138000", verified=True)

    squatter = User.objects.get(pk=squatter.pk)
    assert (squatter.phone, squatter.phone_hash, squatter.phone_masked) == ("", None, "")
    assert User.objects.get(pk=owner.pk).phone_hash == crypto.keyed_hash("13800138000")


def test_setting_ones_own_number_again_is_fine():
    user = UserFactory()
    services.user_set_phone(user=user, phone="13800138000", verified=False)

    services.user_set_phone(user=user, phone="13800138000", verified=True)

    assert User.objects.get(pk=user.pk).phone_verified is True


def test_invalid_phone_is_refused_for_a_user():
    user = UserFactory()

    with pytest.raises(ValidationError) as exc:
        services.user_set_phone(user=user, phone="12345", verified=True)

    assert exc.value.code == "phone_format"


# ------------------------------------------------------------------------------
# audit_log
# ------------------------------------------------------------------------------
def test_audit_entry_records_actor_action_target_area_and_data(street_coordinator, person):
    entry = services.audit_log(
        actor=street_coordinator,
        action="volunteers.service_record.approved",
        target=person,
        area=person.area,
        data={"hours": "2.5"},
    )

    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor == street_coordinator
    assert entry.action == "volunteers.service_record.approved"
    assert entry.content_type == ContentType.objects.get_for_model(Person)
    assert entry.object_id == str(person.pk)
    assert entry.target == person
    assert entry.area == person.area
    assert entry.data == {"hours": "2.5"}


def test_audit_entry_without_an_actor_or_target():
    from django.contrib.auth.models import AnonymousUser

    entry = services.audit_log(actor=AnonymousUser(), action="portal.system.cleanup")

    assert entry.actor is None
    assert entry.content_type is None
    assert entry.object_id == ""
    assert entry.data == {}


# ------------------------------------------------------------------------------
# Outbox
# ------------------------------------------------------------------------------
RECORD_TASK = "portal.tests.record_call"


@pytest.fixture
def recorded_calls() -> Iterator[list[dict]]:
    """A Celery task that only records its keyword arguments."""
    from portal.celery import app

    calls: list[dict] = []

    def record_call(**kwargs) -> None:
        calls.append(kwargs)

    app.task(name=RECORD_TASK, shared=False, lazy=False)(record_call)
    yield calls
    app.tasks.unregister(RECORD_TASK)


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Celery sends to a port nobody listens on (the autouse celery_eager fixture restores it)."""
    celery_use_broker(eager=False, broker_url=UNREACHABLE_BROKER)
    services._broker_down_until = 0.0
    yield
    services._broker_down_until = 0.0


def test_enqueued_job_runs_only_after_commit_and_is_marked_sent(
    recorded_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"certificate_id": 7})
        assert recorded_calls == []  # not before the commit

    assert len(callbacks) == 1
    assert recorded_calls == [{"certificate_id": 7}]
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 1
    assert message.last_error == ""


def test_job_of_a_rolled_back_change_never_runs(recorded_calls, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": 1})

    assert len(callbacks) == 1
    assert recorded_calls == []
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is None


@pytest.fixture
def tasks_module_never_imported(monkeypatch) -> None:
    """As in a web process running jobs inline: no worker has imported portal/tasks.py."""
    from portal.celery import app

    for name in [name for name in app.tasks if name.startswith("portal.tasks.")]:
        app.tasks.unregister(name)
    monkeypatch.delitem(sys.modules, "portal.tasks", raising=False)


def test_inline_run_finds_a_task_by_name_without_a_worker_importing_it(tasks_module_never_imported):
    message = services.outbox_enqueue(task_name="portal.tasks.outbox_drain_task", kwargs={})

    assert services.outbox_send(message_id=message.pk) is True
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None


def test_sent_job_is_not_sent_again(recorded_calls):
    message = services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": 1})
    assert services.outbox_send(message_id=message.pk) is True

    assert services.outbox_send(message_id=message.pk) is False
    assert recorded_calls == [{"n": 1}]
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 1


def test_unreachable_broker_leaves_the_job_pending_and_returns_quickly(
    recorded_calls, broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        message = services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": 1})
    elapsed = time.monotonic() - started

    message.refresh_from_db()
    assert message.sent_at is None
    assert message.attempts == 1
    assert message.last_error
    assert recorded_calls == []
    assert elapsed < 1.0, f"the request waited {elapsed:.1f}s on a dead broker"


def test_after_a_failure_further_sends_back_off_without_touching_the_broker(recorded_calls, broker_down):
    first = services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": 1})
    second = services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": 2})
    assert services.outbox_send(message_id=first.pk) is False

    started = time.monotonic()
    assert services.outbox_send(message_id=second.pk) is False

    assert time.monotonic() - started < 0.1
    assert OutboxMessage.objects.get(pk=second.pk).attempts == 0


def test_drain_sends_pending_jobs_once_the_broker_is_back(recorded_calls, broker_down):
    with time_machine.travel(NINE_AM, tick=False) as traveller:
        message = services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": 1})
        assert services.outbox_send(message_id=message.pk) is False
        traveller.shift(datetime.timedelta(seconds=30))
        assert services.outbox_drain() == 0  # broker still down: nothing sent, nothing lost

        celery_use_broker(eager=True, broker_url="memory://")
        sent = services.outbox_drain()

    assert sent == 1
    assert recorded_calls == [{"n": 1}]
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.attempts == 3


def test_drain_leaves_jobs_younger_than_the_grace_period_to_their_on_commit_send(recorded_calls):
    with time_machine.travel(NINE_AM, tick=False) as traveller:
        services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": 1})
        traveller.shift(datetime.timedelta(seconds=5))
        assert services.outbox_drain(older_than_seconds=10) == 0
        traveller.shift(datetime.timedelta(seconds=6))
        assert services.outbox_drain(older_than_seconds=10) == 1

    assert recorded_calls == [{"n": 1}]


def test_drain_sends_in_creation_order_and_respects_the_limit(recorded_calls):
    with time_machine.travel(NINE_AM, tick=False) as traveller:
        for n in range(3):
            services.outbox_enqueue(task_name=RECORD_TASK, kwargs={"n": n})
            traveller.shift(datetime.timedelta(seconds=1))
        traveller.shift(datetime.timedelta(minutes=1))

        assert services.outbox_drain(limit=2) == 2
        assert services.outbox_drain(limit=2) == 1

    assert recorded_calls == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


class TestPersonIdentified:
    """An account gets its real-name identity once; modules waiting for it hear about it."""

    @pytest.fixture
    def heard(self) -> Iterator[list]:
        from portal.signals import person_identified

        calls: list = []

        def receiver(sender, person, user, **kwargs):
            calls.append((person.pk, user.pk))

        person_identified.connect(receiver, dispatch_uid="test-person-identified")
        yield calls
        person_identified.disconnect(dispatch_uid="test-person-identified")

    def test_create_with_account_announces_it(self, heard):
        user = UserFactory()
        person = services.person_create(name="张三", id_number=_unique_id_number(901), user=user)
        assert heard == [(person.pk, user.pk)]

    def test_create_without_account_is_silent(self, heard):
        services.person_create(name="张三", id_number=_unique_id_number(902))
        assert heard == []

    def test_link_is_idempotent_and_refuses_a_second_account(self, heard):
        person = services.person_create(name="李四", id_number=_unique_id_number(903))
        user = UserFactory()
        services.person_link_user(person=person, user=user)
        services.person_link_user(person=person, user=user)
        person.refresh_from_db()
        assert person.user_id == user.pk and heard == [(person.pk, user.pk)]
        with pytest.raises(PortalError) as refused:
            services.person_link_user(person=person, user=UserFactory())
        assert refused.value.code == "PERSON_TAKEN"
        other = services.person_create(name="王五", id_number=_unique_id_number(904))
        with pytest.raises(PortalError) as refused:
            services.person_link_user(person=other, user=user)
        assert refused.value.code == "PERSON_TAKEN"
        assert heard == [(person.pk, user.pk)]

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from portal import crypto, services
from portal.models import Person, SMSMessage, User
from portal.sms import DatabaseSMSBackend
from portal.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

ID_NUMBER = "110102198805170622"
PHONE = "13912345678"


@pytest.fixture
def fresh_keys() -> Iterator[None]:
    """The keys are read from settings once and cached; forget them around a settings change."""

    def forget() -> None:
        for name in ("fernet", "hash_key"):
            crypto._keys.__dict__.pop(name, None)

    forget()
    yield
    forget()


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 — fixed names
        return cursor.fetchone()[0]


def test_person_id_number_and_phone_read_back_as_entered():
    person = PersonFactory(id_number=ID_NUMBER, phone=PHONE)

    stored = Person.objects.get(pk=person.pk)

    assert stored.id_number == ID_NUMBER
    assert stored.phone == PHONE


def test_database_columns_hold_neither_the_id_number_nor_the_phone_in_clear():
    person = PersonFactory(id_number=ID_NUMBER, phone=PHONE)

    raw_id = _raw("portal_person", "id_number", person.pk)
    raw_phone = _raw("portal_person", "phone", person.pk)

    assert ID_NUMBER not in raw_id
    assert "19880517" not in raw_id
    assert PHONE not in raw_phone
    assert crypto.decrypt(raw_id) == ID_NUMBER
    assert crypto.decrypt(raw_phone) == PHONE


def test_hash_and_mask_columns_hold_no_clear_number_either():
    person = PersonFactory(id_number=ID_NUMBER, phone=PHONE)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_hash, id_number_masked, phone_hash, phone_masked"
            " FROM portal_person WHERE id = %s",
            [person.pk],
        )
        row = cursor.fetchone()

    assert all(ID_NUMBER not in value and PHONE not in value for value in row)


def test_user_phone_is_encrypted_at_rest():
    user = User.objects.create_user(username="zhang", password="x-119-pass")
    services.user_set_phone(user=user, phone=PHONE, verified=True)

    assert PHONE not in _raw("portal_user", "phone", user.pk)
    assert User.objects.get(pk=user.pk).phone == PHONE


def test_stored_sms_text_is_encrypted_at_rest():
    DatabaseSMSBackend().send(phone=PHONE, text="您的验证码是 428193")
    message = SMSMessage.objects.get()

    assert "428193" not in _raw("portal_smsmessage", "text", message.pk)
    assert message.text == "您的验证码是 428193"
    assert message.phone_masked == "139****5678"


def test_same_value_encrypts_differently_each_time():
    assert crypto.encrypt(ID_NUMBER) != crypto.encrypt(ID_NUMBER)


def test_keyed_hash_is_deterministic():
    assert crypto.keyed_hash(ID_NUMBER) == crypto.keyed_hash(ID_NUMBER)
    assert crypto.keyed_hash(ID_NUMBER) != crypto.keyed_hash("110102198805170630")
    assert len(crypto.keyed_hash(ID_NUMBER)) == 64


def test_keyed_hash_depends_on_the_key(fresh_keys):
    with_test_key = crypto.keyed_hash(ID_NUMBER)
    with override_settings(PII_HASH_KEY="another-deployment-key"):
        crypto._keys.__dict__.pop("hash_key", None)
        with_other_key = crypto.keyed_hash(ID_NUMBER)

    assert with_other_key != with_test_key


def test_rotated_keys_still_read_values_written_with_the_old_key(fresh_keys, settings):
    person = PersonFactory(id_number=ID_NUMBER)
    new_key = Fernet.generate_key().decode()

    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *settings.FIELD_ENCRYPTION_KEYS]):
        crypto._keys.__dict__.pop("fernet", None)
        assert Person.objects.get(pk=person.pk).id_number == ID_NUMBER


def test_value_written_with_an_unknown_key_is_refused_not_returned_garbled(fresh_keys):
    person = PersonFactory(id_number=ID_NUMBER)

    with override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]):
        crypto._keys.__dict__.pop("fernet", None)
        with pytest.raises(ValueError, match="cannot be read"):
            Person.objects.get(pk=person.pk)


@pytest.mark.parametrize(
    ("setting", "call"), [("FIELD_ENCRYPTION_KEYS", "encrypt"), ("PII_HASH_KEY", "keyed_hash")]
)
def test_missing_key_fails_loudly(fresh_keys, setting, call):
    with override_settings(**{setting: None}), pytest.raises(ImproperlyConfigured, match=setting):
        getattr(crypto, call)("x")

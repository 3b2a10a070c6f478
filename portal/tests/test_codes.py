import datetime

import pytest
import time_machine

from portal import codes
from portal.codes import CodeError, code_issue, code_verify, human_code

PURPOSE = "training.checkin"
START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)


def _verify_error(code: str, purpose: str = PURPOSE) -> str:
    with pytest.raises(CodeError) as exc:
        code_verify(purpose=purpose, code=code)
    return exc.value.code


@pytest.mark.parametrize("object_id", [0, 1, 31, 32, 4711, 2**40 + 3])
def test_issued_code_verifies_to_its_object_id(object_id):
    verified = code_verify(purpose=PURPOSE, code=code_issue(purpose=PURPOSE, object_id=object_id))

    assert verified.object_id == object_id
    assert verified.purpose == PURPOSE
    assert verified.expires_at is None


def test_code_is_case_insensitive_and_tolerates_surrounding_spaces():
    code = code_issue(purpose=PURPOSE, object_id=4711)

    assert code_verify(purpose=PURPOSE, code=f"  {code.upper()} ").object_id == 4711


def test_code_for_another_purpose_is_invalid():
    code = code_issue(purpose="volunteers.activity_checkin", object_id=4711)

    assert _verify_error(code) == CodeError.INVALID


def test_altered_body_is_invalid():
    body_id, expiry, signature = code_issue(purpose=PURPOSE, object_id=4711).split(".")
    other_id = code_issue(purpose=PURPOSE, object_id=4712).split(".")[0]

    assert _verify_error(f"{other_id}.{expiry}.{signature}") == CodeError.INVALID
    assert _verify_error(f"{body_id}.1.{signature}") == CodeError.INVALID


def test_altered_signature_is_invalid():
    code = code_issue(purpose=PURPOSE, object_id=4711)
    last = code[-1]
    flipped = code[:-1] + ("a" if last != "a" else "b")

    assert _verify_error(flipped) == CodeError.INVALID


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c.d", "x" * 65, "1.0." + "a" * 60])
def test_garbage_is_invalid(garbage):
    assert _verify_error(garbage) == CodeError.INVALID


def test_code_signed_with_another_secret_key_is_invalid(settings):
    code = code_issue(purpose=PURPOSE, object_id=4711)
    settings.SECRET_KEY = "another-deployment-secret-key-0123456789-abcdefghijklmnop"

    assert _verify_error(code) == CodeError.INVALID


def test_code_verifies_until_it_expires_then_is_expired():
    with time_machine.travel(START, tick=False) as traveller:
        code = code_issue(purpose=PURPOSE, object_id=4711, ttl_seconds=600)
        assert code_verify(purpose=PURPOSE, code=code).expires_at == int(START.timestamp()) + 600

        traveller.shift(datetime.timedelta(seconds=599))
        assert code_verify(purpose=PURPOSE, code=code).object_id == 4711

        traveller.shift(datetime.timedelta(seconds=2))
        assert _verify_error(code) == CodeError.EXPIRED


def test_expiry_cannot_be_extended_by_editing_the_code():
    with time_machine.travel(START, tick=False) as traveller:
        body_id, _expiry, signature = code_issue(purpose=PURPOSE, object_id=4711, ttl_seconds=60).split(".")
        traveller.shift(datetime.timedelta(hours=1))
        later = codes._b32encode(int(START.timestamp()) + 7200)

        assert _verify_error(f"{body_id}.{later}.{signature}") == CodeError.INVALID
        assert _verify_error(f"{body_id}.0.{signature}") == CodeError.INVALID


def test_code_carries_only_the_object_id_and_expiry():
    """Nothing personal can be read from a code: its body decodes to the id and the expiry alone."""
    code = code_issue(purpose=PURPOSE, object_id=4711)
    body_id, expiry, signature = code.split(".")

    assert codes._b32decode(body_id) == 4711
    assert codes._b32decode(expiry) == 0
    assert len(signature) == 16
    assert len(code) <= 32
    # The same id gives the same code whoever it belongs to: no other input goes in.
    assert code_issue(purpose=PURPOSE, object_id=4711) == code


def test_code_for_a_person_contains_none_of_their_data(db):
    from portal.tests.factories import PersonFactory

    person = PersonFactory(name="王小红", id_number="110102198805170622", phone="13912345678")
    code = code_issue(purpose="portal.person", object_id=person.pk)

    for secret in ("110102198805170622", "13912345678", "19880517", "5678", "0622"):
        assert secret not in code
    assert not any("\u4e00" <= char <= "\u9fff" for char in code)


def test_human_code_alphabet_has_no_look_alikes():
    assert not set("0O1IL") & set(codes.HUMAN_ALPHABET)
    assert len(set(codes.HUMAN_ALPHABET)) == len(codes.HUMAN_ALPHABET)


def test_human_codes_use_only_the_alphabet_and_the_requested_length():
    generated = [human_code() for _ in range(200)]

    assert all(len(code) == 8 for code in generated)
    assert set("".join(generated)) <= set(codes.HUMAN_ALPHABET)
    assert len(set(generated)) == len(generated)
    assert len(human_code(12)) == 12

import datetime

import pytest
from django.core.exceptions import ValidationError

from portal import validators
from portal.tests.factories import resident_id_number

# The worked example of GB 11643-1999 and a number computed for a 1988 birth date. (The
# standard's other example, 440524188001010014, is born in 1880: older than the portal accepts.)
KNOWN_VALID = ["11010519491231002X", "110102198805170622"]


def _code(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return exc.value.code


# ------------------------------------------------------------------------------
# Resident ID numbers (GB 11643)
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44052418800101001", "4"), ("11010219880517062", "2")],
)
def test_id_check_digit_matches_the_standard(first17, check):
    assert validators.id_check_digit(first17) == check


@pytest.mark.parametrize("number", KNOWN_VALID)
def test_valid_id_number_is_returned_unchanged(number):
    assert validators.validate_id_number(number) == number


def test_id_number_is_normalised_lowercase_x_and_spaces():
    assert validators.validate_id_number(" 110105 19491231 002x ") == "11010519491231002X"


def test_computed_id_numbers_validate():
    for day in range(0, 3650, 97):
        birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=day)
        number = resident_id_number(region="440524", birth=birth, sequence=day)
        assert validators.validate_id_number(number) == number


@pytest.mark.parametrize("wrong", sorted(set("0123456789X") - {"X"}))
def test_every_wrong_check_digit_is_rejected(wrong):
    with pytest.raises(ValidationError) as exc:
        validators.validate_id_number("11010519491231002" + wrong)
    assert _code(exc) == "id_checksum"


def test_single_digit_typo_is_caught_by_the_check_digit():
    with pytest.raises(ValidationError) as exc:
        validators.validate_id_number("110102198805170722")  # 6 → 7 in the sequence
    assert _code(exc) == "id_checksum"


@pytest.mark.parametrize(
    "first17",
    [
        "11010219880230062",  # 30 February
        "11010219881301062",  # month 13
        "11010219880100062",  # day 0
        "11010218991231062",  # before 1900
        f"110102{datetime.date.today().year + 1}0101062",  # not born yet
    ],
)
def test_impossible_birth_date_is_rejected_even_with_a_correct_check_digit(first17):
    with pytest.raises(ValidationError) as exc:
        validators.validate_id_number(first17 + validators.id_check_digit(first17))
    assert _code(exc) == "id_birth"


@pytest.mark.parametrize(
    "number",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002X1",  # 19 characters
        "1101051949123X0021",  # X not at the end
        "11010519491231002Y",
        "ABCDEFGHIJKLMNOPQR",
        "110105491231002",  # old 15-digit format
    ],
)
def test_malformed_id_number_is_rejected(number):
    with pytest.raises(ValidationError) as exc:
        validators.validate_id_number(number)
    assert _code(exc) == "id_format"


def test_id_birth_date_is_read_from_the_number():
    assert validators.id_birth_date("11010519491231002X") == datetime.date(1949, 12, 31)


# ------------------------------------------------------------------------------
# Mobile numbers
# ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    ["13812345678", "+8613812345678", "+86 138 1234 5678", "0086-138-1234-5678", " 138 1234 5678 "],
)
def test_mobile_is_normalised_to_eleven_digits(raw):
    assert validators.validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "",
        "12812345678",
        "1381234567",
        "138123456789",
        "23812345678",
        "+1 415 555 0100",
        "138abcd5678",
    ],
)
def test_invalid_mobile_is_rejected(raw):
    with pytest.raises(ValidationError) as exc:
        validators.validate_mobile(raw)
    assert _code(exc) == "phone_format"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mainland_mobile_prefix_is_accepted(prefix):
    assert validators.validate_mobile(f"{prefix}912345678") == f"{prefix}912345678"


# ------------------------------------------------------------------------------
# Masking
# ------------------------------------------------------------------------------
def test_id_number_mask_keeps_region_and_last_four():
    assert validators.mask_id_number("110102198805171234") == "110102********1234"
    assert validators.mask_id_number("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    "number", ["E12345678", "H1234567890", "12345678", "C1234567890123", "AB12345678901234567"]
)
def test_other_document_numbers_are_masked_with_at_least_four_characters_hidden(number):
    masked = validators.mask_id_number(number)
    assert len(masked) == len(number)
    assert masked.count("*") >= 4
    assert masked[0] == number[0]
    assert masked[-1] == number[-1]


def test_passport_number_keeps_two_characters_at_each_end():
    assert validators.mask_id_number("E12345678") == "E1*****78"


def test_very_short_value_is_masked_completely():
    assert validators.mask_id_number("1234567") == "*******"
    assert validators.mask_phone("123456") == "******"


def test_phone_mask():
    assert validators.mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张晓明", "张*明"), ("李娜", "李*"), ("欧阳娜娜", "欧**娜"), ("王", "王"), ("", "")],
)
def test_name_mask(name, masked):
    assert validators.mask_name(name) == masked

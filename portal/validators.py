"""Validation of Chinese identity numbers and mainland mobile numbers, and masking for display."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_id_number(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def id_check_digit(first17: str) -> str:
    """GB 11643-1999: weighted sum of the first 17 digits modulo 11 picks the check character."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_birth_date(id_number: str) -> datetime.date:
    return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def validate_id_number(value: str) -> str:
    """Return the normalised 18-character resident ID number or raise ValidationError."""
    number = normalize_id_number(value)
    if not _ID_RE.match(number):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."), code="id_format"
        )
    try:
        birth = id_birth_date(number)
    except ValueError as exc:
        raise ValidationError(
            _("The date of birth in this ID number does not exist."), code="id_birth"
        ) from exc
    if birth > datetime.date.today() or birth.year < 1900:
        raise ValidationError(_("The date of birth in this ID number does not exist."), code="id_birth")
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong; please check each digit again."), code="id_checksum"
        )
    return number


def normalize_phone(value: str) -> str:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    return number


def validate_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number or raise ValidationError."""
    number = normalize_phone(value)
    if not _MOBILE_RE.match(number):
        raise ValidationError(
            _("Enter an 11-digit mainland mobile number starting with 13–19."), code="phone_format"
        )
    return number


def mask_id_number(number: str) -> str:
    """110102********1234: region and last four, so a person can recognise their own."""
    if len(number) < 8:
        return "*" * len(number)
    if len(number) < 14:  # passports and permits: 6 + 4 would show (nearly) all of them
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(number: str) -> str:
    """138****5678."""
    if len(number) < 7:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_name(name: str) -> str:
    """张*明 for three characters, 张* for two: enough for a holder to recognise, not to identify."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]

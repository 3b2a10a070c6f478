"""The one place that issues and verifies codes for QR and for people to type.

A signed code carries only a purpose-bound object id and an optional expiry, both opaque to
the reader, and an HMAC over them: no personal data, unforgeable, short enough for a small QR.
Human-typed codes use an alphabet without the look-alikes 0/O, 1/I/L.

Format: ``<id base32>.<expiry base32 or 0>.<16-char signature>``.
"""

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from portal.errors import PortalError

HUMAN_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_B32 = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford-style: case-insensitive, no i/l/o/u


class CodeError(PortalError):
    INVALID = "CODE_INVALID"
    EXPIRED = "CODE_EXPIRED"


@dataclass(frozen=True)
class VerifiedCode:
    purpose: str
    object_id: int
    expires_at: int | None


def _b32encode(number: int) -> str:
    if number == 0:
        return "0"
    digits = []
    while number:
        number, rest = divmod(number, 32)
        digits.append(_B32[rest])
    return "".join(reversed(digits))


def _b32decode(text: str) -> int:
    number = 0
    for char in text.lower():
        index = _B32.find(char)
        if index < 0:
            raise ValueError(char)
        number = number * 32 + index
    return number


def _signature(purpose: str, body: str) -> str:
    key = hashlib.sha256(b"portal.codes:" + settings.SECRET_KEY.encode()).digest()
    mac = hmac.new(key, f"{purpose}:{body}".encode(), hashlib.sha256).digest()[:10]
    return base64.b32encode(mac).decode().lower()


def code_issue(*, purpose: str, object_id: int, ttl_seconds: int | None = None) -> str:
    """Sign ``object_id`` for ``purpose``; the same code never verifies for another purpose."""
    expires = int(time.time()) + ttl_seconds if ttl_seconds else 0
    body = f"{_b32encode(object_id)}.{_b32encode(expires)}"
    return f"{body}.{_signature(purpose, body)}"


def code_verify(*, purpose: str, code: str) -> VerifiedCode:
    """Return the object id the code was issued for, or raise CodeError (forged, altered, expired)."""
    parts = (code or "").strip().lower().split(".")
    if len(parts) != 3 or len(code) > 64:
        raise CodeError(_("This code is not valid."), code=CodeError.INVALID)
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2], _signature(purpose, body)):
        raise CodeError(_("This code is not valid."), code=CodeError.INVALID)
    try:
        object_id, expires = _b32decode(parts[0]), _b32decode(parts[1])
    except ValueError as exc:
        raise CodeError(_("This code is not valid."), code=CodeError.INVALID) from exc
    if expires and expires < time.time():
        raise CodeError(_("This code has expired; please ask for a new one."), code=CodeError.EXPIRED)
    return VerifiedCode(purpose=purpose, object_id=object_id, expires_at=expires or None)


def human_code(length: int = 8) -> str:
    """A random code for people to read off paper and type: no 0/O, 1/I/L."""
    return "".join(secrets.choice(HUMAN_ALPHABET) for _ in range(length))

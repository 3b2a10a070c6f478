"""Encryption at rest and keyed hashes for personal data (ID numbers, phones).

Fernet (AES-128-CBC + HMAC) with a key list so keys can rotate; an HMAC-SHA256 keyed hash
gives uniqueness and look-up without decrypting. Neither key ever leaves settings.
"""

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import cached_property


class _Keys:
    @cached_property
    def fernet(self) -> MultiFernet:
        keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None)
        if not keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is not set.")
        return MultiFernet([Fernet(key) for key in keys])

    @cached_property
    def hash_key(self) -> bytes:
        key = getattr(settings, "PII_HASH_KEY", None)
        if not key:
            raise ImproperlyConfigured("PII_HASH_KEY is not set.")
        return key.encode()


_keys = _Keys()


def encrypt(value: str) -> str:
    return _keys.fernet.encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys.fernet.decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("Encrypted value cannot be read with the configured keys.") from exc


def keyed_hash(value: str) -> str:
    """Deterministic, keyed: equal inputs give equal hashes, but nobody without the key can test guesses."""
    return hmac.new(_keys.hash_key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores the Fernet token; Python code sees the plain value.

    Not searchable: look records up by their keyed-hash column instead.
    """

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)

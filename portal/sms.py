"""Pluggable SMS backends (settings.SMS_BACKEND): database (dev, tests), console, HTTP gateway.

Phones are never logged in full; the database backend stores the text encrypted.
"""

import json
import logging
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from portal import crypto, validators

logger = logging.getLogger(__name__)


class BaseSMSBackend:
    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class DatabaseSMSBackend(BaseSMSBackend):
    """Keeps every message in SMSMessage, where `manage.py shell` or a test can read it."""

    def send(self, *, phone: str, text: str) -> None:
        from portal.models import SMSMessage

        SMSMessage.objects.create(
            phone_hash=crypto.keyed_hash(phone), phone_masked=validators.mask_phone(phone), text=text
        )
        logger.info("SMS to %s stored in the database", validators.mask_phone(phone))


class ConsoleSMSBackend(BaseSMSBackend):
    """Prints the message for a developer at the terminal."""

    def send(self, *, phone: str, text: str) -> None:
        print(f"[SMS → {validators.mask_phone(phone)}] {text}", flush=True)


class GatewaySMSBackend(BaseSMSBackend):
    """POSTs JSON to a provider's HTTPS endpoint (SMS_GATEWAY_URL, SMS_GATEWAY_KEY).

    Adapting to a provider means subclassing and overriding ``payload``.
    """

    timeout = 5

    def payload(self, *, phone: str, text: str) -> dict:
        return {"phone": phone, "sign": settings.SMS_SIGN_NAME, "text": text}

    def send(self, *, phone: str, text: str) -> None:
        request = urllib.request.Request(  # noqa: S310 — the URL is the operator's configured gateway
            settings.SMS_GATEWAY_URL,
            data=json.dumps(self.payload(phone=phone, text=text)).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_KEY}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if response.status >= 300:
                raise OSError(f"SMS gateway answered {response.status}")


def sms_send(*, phone: str, text: str) -> None:
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(phone=phone, text=text)

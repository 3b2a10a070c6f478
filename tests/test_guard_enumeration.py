"""No account enumeration: sign-up by phone, log-in by SMS code and password reset answer the same
for a known and an unknown phone or e-mail address (ACCOUNT_PREVENT_ENUMERATION)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import SMSMessage, User
from tests.guard_world import module_fixture

pytestmark = pytest.mark.django_db
guard_world = module_fixture()

UNKNOWN_PHONE = "13700001234"


def _shape(response) -> tuple:
    """What a visitor can observe: status, where it sends them, and the page without tokens/ids."""
    body = response.content.decode()
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
    body = re.sub(r"1[3-9]\d\*{4}\d{4}", "MASKED", body)  # the number typed, shown masked
    return response.status_code, response.get("Location", ""), body


def test_phone_sign_up_looks_the_same_for_a_known_number(guard_world):
    known = guard_world.secret_phones[0]  # verified phone of an existing account
    users_before = User.objects.count()
    answers = [Client().post(reverse("account_signup"), {"phone": phone}) for phone in (known, UNKNOWN_PHONE)]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"]
    # The owner of the known number is told by SMS; no second account exists for it.
    known_texts = SMSMessage.objects.filter(phone_masked=f"{known[:3]}****{known[-4:]}")
    assert any("已注册" in m.text for m in known_texts)
    assert User.objects.count() == users_before + 1  # only the unknown number's account


def test_login_code_request_looks_the_same_for_an_unknown_number(guard_world):
    known = guard_world.secret_phones[0]
    sent_before = SMSMessage.objects.count()
    answers = [
        Client().post(reverse("account_request_login_code"), {"phone": phone})
        for phone in (known, UNKNOWN_PHONE)
    ]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"]
    assert SMSMessage.objects.count() == sent_before + 1  # only the real account got a code


def test_password_reset_looks_the_same_for_an_unknown_address(guard_world):
    known = guard_world.users["plain"].email
    answers = [
        Client().post(reverse("account_reset_password"), {"email": email})
        for email in (known, "nobody-here@example.org")
    ]
    assert _shape(answers[0]) == _shape(answers[1])
    assert answers[0].status_code == 302


def test_login_failure_does_not_say_whether_the_account_exists(guard_world):
    known = guard_world.users["plain"].email
    logins = (known, "nobody-here@example.org")
    answers = [
        Client().post(reverse("account_login"), {"login": login, "password": "wrong-pass-119"})
        for login in logins
    ]
    shapes = [
        (*_shape(a)[:2], _shape(a)[2].replace(login, "LOGIN"))
        for a, login in zip(answers, logins, strict=True)
    ]
    assert shapes[0] == shapes[1]

"""No account enumeration: sign-up by phone or by e-mail, log-in by SMS code, password reset and a
failed log-in answer the same for a known and an unknown phone or e-mail address
(ACCOUNT_PREVENT_ENUMERATION; e-mail sign-ups end at "we have sent you an e-mail",
portal.accounts.stages)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import SMSMessage, User
from tests.guard_world import module_fixture

pytestmark = pytest.mark.django_db
guard_world = module_fixture()

UNKNOWN_PHONE = "13700001234"
PASSWORD = "Xiaofang-119-anquan"


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


def test_email_sign_up_looks_the_same_for_a_registered_address(guard_world):
    """A registered address is not answered "taken": both sign-ups end at the same "we have sent
    you an e-mail" page, signed in neither; only the mailbox tells them apart."""
    known = guard_world.users["plain"].email
    unknown = "new-resident@example.org"
    users_before = User.objects.count()
    clients, shapes = [Client(), Client()], []
    for client, email in zip(clients, (known, unknown), strict=True):
        answer = client.post(
            reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
        )
        status, _, body = _shape(client.get(answer["Location"]))
        shapes.append((answer.status_code, answer["Location"], status, body.replace(email, "EMAIL")))
    assert shapes[0] == shapes[1]
    assert shapes[0][:2] == (302, reverse("account_email_verification_sent"))
    assert [c.session.get("_auth_user_id") for c in clients] == [None, None]
    # One account more (the new address's, unconfirmed); the owner of the known one is told by mail.
    assert User.objects.count() == users_before + 1
    assert EmailAddress.objects.get(email=unknown).verified is False
    to_known, to_unknown = (next(m for m in mail.outbox if m.to == [e]) for e in (known, unknown))
    assert "账户已经存在" in to_known.subject and reverse("account_reset_password") in to_known.body
    assert "/accounts/confirm-email/" in to_unknown.body and "/accounts/confirm-email/" not in to_known.body


def test_phone_sign_up_with_a_registered_address_looks_the_same(guard_world):
    """Beside a new mobile number, a registered address neither fails the form nor changes the
    answer: the account is made for the number alone and the address's owner is mailed."""
    known = guard_world.users["plain"].email
    answers = [
        Client().post(
            reverse("account_signup"),
            {"phone": phone, "email": email, "password1": PASSWORD, "password2": PASSWORD},
        )
        for phone, email in (("13700002345", known), ("13700003456", "another-new@example.org"))
    ]
    assert answers[0].status_code == answers[1].status_code == 302
    assert answers[0]["Location"] == answers[1]["Location"] == reverse("account_verify_phone")
    made = User.objects.get(phone_hash__isnull=False, phone_masked="137****2345")
    assert made.email == "" and not EmailAddress.objects.filter(user=made).exists()
    assert User.objects.filter(email=known).count() == 1  # still only its owner
    assert [m.to for m in mail.outbox] == [[known]]  # the new address hears after the SMS code
    assert "账户已经存在" in mail.outbox[0].subject


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

"""Accounts through allauth: mobile number + SMS code, e-mail + password, WeChat only when configured."""

import re

import pytest
from allauth.account.models import EmailAddress, Login
from allauth.socialaccount.models import SocialApp
from django.test import override_settings
from django.urls import reverse

from portal import services
from portal.accounts.stages import signed_up_by_email_alone
from portal.models import SMSMessage, User

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"
PASSWORD = "Xiaofang-119-anquan"


def last_code() -> str:
    return re.search(r"\d{6}", SMSMessage.objects.first().text).group()


def logged_in_user_id(client) -> str | None:
    return client.session.get("_auth_user_id")


def sign_up_by_phone(client, phone: str = PHONE):
    return client.post(reverse("account_signup"), {"phone": phone})


def verified_phone_user(phone: str = PHONE, **fields) -> User:
    user = User.objects.create_user(username=f"u{phone}", **fields)
    return services.user_set_phone(user=user, phone=phone, verified=True)


def assert_chinese_page(response) -> None:
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html or "注册" in html  # allauth's own zh-hans catalogue


# ------------------------------------------------------------------------------
# Mobile number: sign up, verify by SMS, log out, log in by SMS
# ------------------------------------------------------------------------------
def test_phone_signup_verify_logout_and_login_by_sms_code(client):
    response = sign_up_by_phone(client)

    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    user = User.objects.get()
    assert user.phone_verified is False
    assert logged_in_user_id(client) is None

    response = client.get(reverse("account_verify_phone"))
    assert response.status_code == 200
    assert_chinese_page(response)

    response = client.post(reverse("account_verify_phone"), {"code": last_code()})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified is True
    assert user.phone_masked == MASKED
    assert user.phone == PHONE
    assert logged_in_user_id(client) == str(user.pk)

    client.post(reverse("account_logout"))
    assert logged_in_user_id(client) is None

    response = client.post(reverse("account_request_login_code"), {"phone": PHONE})
    assert response.status_code == 302
    assert response.url == reverse("account_confirm_login_code")
    assert SMSMessage.objects.count() == 2

    response = client.post(reverse("account_confirm_login_code"), {"code": last_code()})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_sms_code_is_six_digits_and_stored_encrypted_per_number(client):
    sign_up_by_phone(client)

    message = SMSMessage.objects.get()
    assert message.phone_masked == MASKED
    assert re.fullmatch(r"\d{6}", last_code())


def test_phone_accepts_spaces_and_country_code(client):
    sign_up_by_phone(client, phone="+86 138 1234 5678")

    assert User.objects.get().phone == PHONE


def test_full_phone_number_never_appears_after_sign_up(client):
    sign_up_by_phone(client)  # the sign-up page itself may echo what was typed; the pages after may not
    pages = [client.get(reverse("account_verify_phone"))]
    client.post(reverse("account_verify_phone"), {"code": last_code()})
    pages.append(client.get(reverse("account_change_phone")))  # carries the "verified" message
    client.post(reverse("account_logout"))
    client.post(reverse("account_request_login_code"), {"phone": PHONE})
    pages.append(client.get(reverse("account_confirm_login_code")))
    client.post(reverse("account_confirm_login_code"), {"code": last_code()})
    pages.append(client.get(reverse("account_change_phone")))

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert PHONE not in html
        assert MASKED in html


def test_phone_user_with_password_can_log_in_with_phone_and_password(client):
    user = verified_phone_user()
    user.set_password(PASSWORD)
    user.save()

    client.post(reverse("account_login"), {"login": PHONE, "password": PASSWORD})

    assert logged_in_user_id(client) == str(user.pk)


# ------------------------------------------------------------------------------
# E-mail + password
# ------------------------------------------------------------------------------
def test_email_signup_confirms_the_address_then_logs_in(client, mailoutbox):
    """An e-mail sign-up is not signed in at once: it ends at "we have sent you an e-mail", as a
    registered address does (portal.accounts.stages, tests/test_guard_enumeration.py), and the
    Chinese mail's link confirms the address."""
    response = client.post(
        reverse("account_signup"),
        {"email": "zhang.wei@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert user.email == "zhang.wei@example.com"
    assert user.phone == ""
    assert user.phone_hash is None
    assert logged_in_user_id(client) is None
    assert SMSMessage.objects.count() == 0
    assert_chinese_page(client.get(response.url))

    (message,) = mailoutbox
    assert message.subject.startswith("[消防宣教与志愿服务平台] ")
    assert message.body.startswith("您好：")
    confirm_url = re.search(r"http://testserver(/accounts/confirm-email/\S+)", message.body).group(1)
    client.post(confirm_url)
    assert EmailAddress.objects.get(user=user).verified is True

    response = client.post(reverse("account_login"), {"login": "zhang.wei@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


def test_wechat_sign_up_is_not_held_for_an_email_address():
    """Only a sign-up by e-mail alone waits for the address: WeChat and phone sign-ups do not."""
    by_email = User.objects.create_user(username="by-email", email="li@example.com")
    by_phone = verified_phone_user()
    by_wechat = {"sociallogin": object()}  # what allauth's social sign-up passes along

    assert signed_up_by_email_alone(Login(user=by_email, signup=True)) is True
    assert signed_up_by_email_alone(Login(user=by_email, signup=True, signal_kwargs=by_wechat)) is False
    assert signed_up_by_email_alone(Login(user=by_phone, signup=True)) is False
    registered_phone = Login(user=None, email="li@example.com", phone=PHONE, signup=True)
    assert signed_up_by_email_alone(registered_phone) is False


def test_email_login_with_wrong_password_fails_in_chinese(client):
    User.objects.create_user(username="zhang", email="zhang.wei@example.com", password=PASSWORD)

    response = client.post(
        reverse("account_login"), {"login": "zhang.wei@example.com", "password": "wrong-one-1"}
    )

    assert response.status_code == 200
    assert logged_in_user_id(client) is None
    assert_chinese_page(response)


def test_email_signup_needs_a_password(client):
    response = client.post(reverse("account_signup"), {"email": "li.na@example.com"})

    assert response.status_code == 200
    assert response.context["form"].has_error("password1", "password_required")
    assert not User.objects.exists()


def test_empty_signup_asks_for_phone_or_email(client):
    response = client.post(reverse("account_signup"), {})

    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", "phone_or_email_required")
    assert not User.objects.exists()


# ------------------------------------------------------------------------------
# Bad input saves nothing
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("phone", ["12345", "23812345678", "1381234567", "138123456789", "1381234567x"])
def test_invalid_phone_saves_nothing(client, phone):
    response = sign_up_by_phone(client, phone=phone)

    assert response.status_code == 200
    assert response.context["form"].has_error("phone", "phone_format")
    assert_chinese_page(response)
    assert not User.objects.exists()
    assert not SMSMessage.objects.exists()


def test_taken_phone_saves_nothing(client):
    """The answer looks like any sign-up (no account enumeration, ACCOUNT_PREVENT_ENUMERATION);
    the owner is told by SMS that the number already has an account."""
    verified_phone_user()

    response = sign_up_by_phone(client)

    assert response.status_code == 302
    assert User.objects.count() == 1
    assert "已注册" in SMSMessage.objects.get().text


def test_unverified_number_does_not_block_a_new_sign_up(client):
    sign_up_by_phone(client)  # abandoned before entering the code
    abandoned = User.objects.get()
    client.cookies.clear()

    response = sign_up_by_phone(client)

    assert response.status_code == 302
    abandoned.refresh_from_db()
    assert abandoned.phone_hash is None
    newcomer = User.objects.exclude(pk=abandoned.pk).get()
    client.post(reverse("account_verify_phone"), {"code": last_code()})
    newcomer.refresh_from_db()
    assert newcomer.phone_verified is True


def test_wrong_sms_code_does_not_verify_or_log_in(client):
    sign_up_by_phone(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("account_verify_phone"), {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].has_error("code", "incorrect_code")
    assert "验证码不正确" in response.content.decode()
    assert User.objects.get().phone_verified is False
    assert logged_in_user_id(client) is None


def test_missing_sms_code_does_not_verify(client):
    sign_up_by_phone(client)

    response = client.post(reverse("account_verify_phone"), {"code": ""})

    assert response.status_code == 200
    assert response.context["form"].has_error("code", "required")
    assert User.objects.get().phone_verified is False
    assert logged_in_user_id(client) is None


def test_three_wrong_codes_end_the_attempt(client):
    sign_up_by_phone(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"

    for _attempt in range(3):
        response = client.post(reverse("account_verify_phone"), {"code": wrong})

    assert response.status_code == 302
    response = client.post(reverse("account_verify_phone"), {"code": code})  # too late now
    assert User.objects.get().phone_verified is False
    assert logged_in_user_id(client) is None


def test_wrong_login_code_does_not_log_in(client):
    verified_phone_user()
    client.post(reverse("account_request_login_code"), {"phone": PHONE})
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"

    response = client.post(reverse("account_confirm_login_code"), {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].has_error("code", "incorrect_code")
    assert logged_in_user_id(client) is None


def test_login_code_for_unknown_number_sends_nothing(client):
    """Same answer as for a known number (no account enumeration), but no SMS."""
    response = client.post(reverse("account_request_login_code"), {"phone": PHONE})

    assert response.status_code == 302
    assert not SMSMessage.objects.exists()


def test_login_code_needs_a_phone(client):
    response = client.post(reverse("account_request_login_code"), {})

    assert response.status_code == 200
    assert response.context["form"].has_error("phone", "required")


# ------------------------------------------------------------------------------
# Pages: our layout, labelled fields, Chinese
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("url_name", ["account_login", "account_signup", "account_request_login_code"])
def test_account_pages_use_portal_layout_with_labels(client, url_name):
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert_chinese_page(response)
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'name="viewport"' in html
    form = response.context["form"]
    for field in form.visible_fields():
        assert f'<label for="{field.id_for_label}"' in html


# ------------------------------------------------------------------------------
# WeChat
# ------------------------------------------------------------------------------
def test_wechat_absent_without_settings(client):
    # Even an app someone added in the database stays hidden while the settings are empty.
    SocialApp.objects.create(provider="weixin", name="WeChat", client_id="wx123", secret="s")

    for url_name in ("account_login", "account_signup"):
        html = client.get(reverse(url_name)).content.decode()
        assert "weixin" not in html
        assert "WeChat" not in html

    assert client.get("/accounts/weixin/login/").status_code == 404


@override_settings(
    WEIXIN_APP_ID="wx-test-id",
    WEIXIN_APP_SECRET="wx-test-secret",
    SOCIALACCOUNT_PROVIDERS={"weixin": {"APPS": [{"client_id": "wx-test-id", "secret": "wx-test-secret"}]}},
)
def test_wechat_button_appears_when_configured(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "/accounts/weixin/login/" in html

    response = client.get("/accounts/weixin/login/")  # the "continue to WeChat" page
    assert response.status_code == 200
    assert "Weixin" not in response.content.decode()

    response = client.post("/accounts/weixin/login/")
    assert response.url.startswith("https://open.weixin.qq.com/connect/qrconnect?appid=wx-test-id")

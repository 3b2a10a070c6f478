"""allauth forms adapted to mainland mobile numbers.

Sign-up takes a mobile number (verified by an SMS code), or an e-mail address with a password,
or both. Log-in by code is by SMS only.
"""

from allauth.account import app_settings
from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from allauth.account.fields import PhoneField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class MobilePhoneField(PhoneField):
    """allauth's phone field, validated by portal.validators.validate_mobile (via the adapter's
    ``clean_phone``) instead of allauth's E.164 rule, so "13812345678" and "+86 138 1234 5678"
    both clean to "13812345678"."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("validators", [])
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "maxlength": "20"})


class SignupForm(allauth_forms.SignupForm):
    """Every sign-up field is optional to allauth; the rule lives here: a mobile number, or an
    e-mail address with a password (an e-mail alone would leave no way to sign in).

    A registered e-mail address is not refused as "taken" (that would tell anyone which addresses
    have accounts). Alone, it ends like any e-mail sign-up, at "we have sent you an e-mail"
    (portal.accounts.stages), and the owner is mailed that the account exists. Beside a new mobile
    number, the account is made for the number without the address, and the owner is mailed.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email_taken = False
        self.email_left_out = ""

    def validate_unique_email(self, value) -> str:
        try:
            return super().validate_unique_email(value)
        except ValidationError as error:
            if error.code != "email_taken" or not app_settings.PREVENT_ENUMERATION:
                raise
            self.email_taken = True
            return get_adapter().validate_unique_email(value)

    def clean(self) -> dict:
        cleaned_data = super().clean()
        phone = cleaned_data.get("phone")
        email = cleaned_data.get("email")
        if not phone and not email and not self.has_error("phone") and not self.has_error("email"):
            self.add_error(
                None,
                ValidationError(
                    _("Enter your mobile number, or an e-mail address and a password."),
                    code="phone_or_email_required",
                ),
            )
        if email and not cleaned_data.get("password1") and not self.has_error("password1"):
            self.add_error(
                "password1",
                ValidationError(
                    _("Choose a password to sign in with your e-mail address."), code="password_required"
                ),
            )
        if self.email_taken and not self.account_already_exists:
            if phone:
                self.email_left_out, cleaned_data["email"] = email, ""
            else:
                self.account_already_exists = True  # allauth then makes no account and mails the owner
        return cleaned_data

    def try_save(self, request):
        user, response = super().try_save(request)
        if user is not None and self.email_left_out:
            get_adapter().send_account_already_exists_mail(self.email_left_out)
        return user, response


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """Sign-in codes go by SMS only: the mobile number is required and there is no e-mail field.

    allauth's form makes both optional when both log-in methods are on, and an empty submission
    would then fail inside allauth instead of showing a message.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("email", None)
        self.fields["phone"].required = True


class LoginForm(allauth_forms.LoginForm):
    """The password form takes a mobile number or an e-mail address; say so in the label."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Email or phone")  # allauth's msgid, already translated
        login.widget.attrs["autocomplete"] = "username"

"""allauth adapters: the phone lives on portal.User (encrypted, keyed hash), SMS goes through portal.sms.

allauth keeps no phone numbers itself; these methods are its whole phone storage. Only a
verified number identifies an account: an unverified one is a claim that an SMS code has not
proved yet, so it neither blocks a sign-up nor lets anyone log in.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from portal import clientip, crypto, services, sms, validators
from portal.accounts.forms import MobilePhoneField
from portal.models import User

WEIXIN = "weixin"


def weixin_configured() -> bool:
    return bool(settings.WEIXIN_APP_ID and settings.WEIXIN_APP_SECRET)


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # allauth's log-in, sign-up and SMS limits count per IP: behind our proxy that is the
        # forwarded client, believed only from TRUSTED_PROXIES (allauth's own lookup would need
        # a fixed proxy count and trusts a forged header when the count is wrong).
        return clientip.client_ip(request)

    def format_email_subject(self, subject: str) -> str:
        # allauth would prefix the host name ("[testserver]"); the portal's name reads better.
        return "[{}] {}".format(_("Fire-safety education and volunteer portal"), subject)

    def get_login_stages(self) -> list[str]:
        return [
            "portal.accounts.stages.EmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def phone_form_field(self, **kwargs) -> MobilePhoneField:
        return MobilePhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return validators.validate_mobile(phone)

    def save_user(self, request, user, form, commit=True):  # noqa: FBT002 — allauth's signature
        # allauth saves the user, then the phone: one transaction, so a number taken in between
        # leaves no account behind.
        with transaction.atomic():
            return super().save_user(request, user, form, commit=commit)

    def add_message(
        self, request, level, message_template=None, message_context=None, extra_tags="", message=None
    ) -> None:
        # allauth puts the full number into "code sent" and "verified" messages; show it masked.
        phone = (message_context or {}).get("phone")
        if phone:
            masked = validators.mask_phone(phone)
            message_context = {
                key: masked if value == phone else value for key, value in message_context.items()
            }
        super().add_message(
            request, level, message_template, message_context, extra_tags=extra_tags, message=message
        )

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        sms.sms_send(
            phone=phone,
            text=_("Your verification code is %(code)s. It is valid for a few minutes; do not share it.")
            % {"code": code},
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Sign-up with a number that already has an account looks like any sign-up (no
        # enumeration); the owner learns here that they can simply log in.
        sms.sms_send(
            phone=phone,
            text=_(
                "This number already has an account. Log in with an SMS code instead of signing up again."
            ),
        )

    def get_phone(self, user) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone(self, user, phone: str, verified: bool) -> None:  # noqa: FBT001 — allauth's signature
        services.user_set_phone(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user, phone: str) -> None:
        services.user_set_phone(user=user, phone=phone, verified=True)

    def get_user_by_phone(self, phone: str) -> User | None:
        try:
            mobile = validators.validate_mobile(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone_hash=crypto.keyed_hash(mobile), phone_verified=True).first()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """WeChat exists only when WEIXIN_APP_ID and WEIXIN_APP_SECRET are set, whatever the database holds."""

    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        if weixin_configured():
            return apps
        return [app for app in apps if app.provider != WEIXIN]

    def get_app(self, request, provider, client_id=None) -> SocialApp:
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist as exc:
            # allauth lets this escape its login view as a server error; an unconfigured
            # provider is simply not there.
            raise Http404 from exc

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return weixin_configured()


def user_display(user: User) -> str:
    """ACCOUNT_USER_DISPLAY: never the full number; phone sign-ups get a generated username ("user2")."""
    return user.display_name or user.phone_masked or user.get_username()

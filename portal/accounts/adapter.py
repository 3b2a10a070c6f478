"""allauth adapters: the phone lives on portal.User (encrypted, keyed hash), SMS goes through portal.sms."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal import crypto, services, sms, validators
from portal.models import User


class AccountAdapter(DefaultAccountAdapter):
    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        sms.sms_send(
            phone=phone,
            text=_("Your verification code is %(code)s. It is valid for a few minutes; do not share it.")
            % {"code": code},
        )

    def get_phone(self, user) -> tuple[str, bool] | None:
        if not user.phone:
            return None
        return user.phone, user.phone_verified

    def set_phone(self, user, phone: str, verified: bool) -> None:
        services.user_set_phone(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user, phone: str) -> None:
        services.user_set_phone(user=user, phone=phone, verified=True)

    def get_user_by_phone(self, phone: str):
        try:
            mobile = validators.validate_mobile(phone)
        except ValidationError:
            return None
        return User.objects.filter(phone_hash=crypto.keyed_hash(mobile)).first()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        return bool(settings.WEIXIN_APP_ID)

"""allauth login stages, adapted: a sign-up by e-mail address alone is sent to confirm it first.

ACCOUNT_EMAIL_VERIFICATION stays "optional" for everyone else: phone sign-ups are proved by their
SMS code (allauth's PhoneVerificationStage runs first) and WeChat sign-ups bring no address.
"""

from allauth.account import stages
from allauth.account.adapter import get_adapter
from allauth.account.app_settings import EmailVerificationMethod


def signed_up_by_email_alone(login) -> bool:
    """A sign-up with neither a mobile number nor a WeChat account behind it."""
    if "sociallogin" in (login.signal_kwargs or {}):
        return False
    if login.user is None:  # allauth's stand-in for a sign-up with a registered address
        return not login.phone
    return get_adapter().get_phone(login.user) is None


class EmailVerificationStage(stages.EmailVerificationStage):
    """Mandatory e-mail verification at a sign-up by e-mail alone (log-ins stay "optional").

    A new address and a registered one then get the same answer, "we have sent you an e-mail",
    and only the mailbox learns which it was: a confirmation link, or a note that the account
    already exists (ACCOUNT_PREVENT_ENUMERATION). With "optional" verification the new address
    would be signed in at once and the registered one could not be, which tells them apart.
    """

    def handle(self):
        if self.login.signup and signed_up_by_email_alone(self.login):
            self.login.email_verification = EmailVerificationMethod.MANDATORY
        return super().handle()

"""Catalogue entries that ``makemessages`` cannot get right from the source alone.

Nothing imports this module; ``makemessages`` only reads it (``gettext_noop`` just marks a
string for extraction). Entries here survive every ``makemessages`` run; translate them in
``locale/zh_Hans/LC_MESSAGES/django.po`` like any other.

1. allauth messages whose own zh_Hans translation reads badly on our pages.
   Django looks in LOCALE_PATHS (our ``locale/``) before any app's catalogue, so an msgid
   in our .po wins over allauth's translation. But ``makemessages`` keeps only msgids it
   finds in our source and drops the rest, so a hand-added entry would vanish on the next
   run; listing the msgid here keeps it. Each msgid must be byte-for-byte allauth's (check
   ``allauth/locale/en/LC_MESSAGES/django.po`` after upgrading allauth). Keep the list
   short: only messages on the sign-up, log-in and SMS-code pages whose allauth wording is
   wrong or clumsy. An override applies to every app using the same msgid: "Code" also
   labels Wagtail's rich-text "code" style (not enabled in our editors).

2. Labels that contain a literal "%" but are never %-formatted. xgettext guesses that
   "(% of residents)" is a Python format ("% o"), and msgfmt then rejects any translation
   without a matching "% o". The ``xgettext:no-python-format`` comment on the same msgid
   here overrides that guess for every occurrence in the project.
"""

from django.utils.translation import gettext_noop, ngettext

ALLAUTH_OVERRIDES = (
    # allauth: 错误代码。 ("error code"), shown when an SMS code is mistyped.
    gettext_noop("Incorrect code."),
    # allauth: 代码 (as in program code), the label of the SMS code field.
    gettext_noop("Code"),
    # allauth: 电话号码; only mainland mobile numbers are accepted.
    gettext_noop("Phone"),
    # allauth: 请求码 (a noun, "request code"), the button on the SMS sign-in page.
    gettext_noop("Request Code"),
    # allauth: 发送登录代码给我, the heading of the SMS sign-in page.
    gettext_noop("Send me a sign-in code"),
    # allauth: 登录代码已发送至 …
    gettext_noop("A sign-in code has been sent to %(recipient)s."),
    # allauth: 此电话号码未分配给任何用户账号。
    gettext_noop("The phone number is not assigned to any user account."),
    # allauth: 您输入的电话号码和/或密码不正确。
    gettext_noop("The phone number and/or password you specified are not correct."),
    # allauth: 电子邮件 （选填项） (stray space), a sign-up field label.
    gettext_noop("Email (optional)"),
)

NOT_PYTHON_FORMAT = (
    # portal.models.targets.Metric.LEARNER_SHARE
    # xgettext:no-python-format
    gettext_noop("Residents learning online (% of residents)"),
)


def _django_plural_overrides() -> str:
    """3. Django 5.2.19 changed this msgid (``%(min_length)d`` became ``%d``) but its zh_Hans
    catalogue still has the old one, so a resident signing up with a short password read English
    (found by tests/test_hardening_fuzz_forms.py). Never called: ``makemessages`` reads it."""
    return ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    )

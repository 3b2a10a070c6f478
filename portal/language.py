"""The header's language switch as a GET link target: ``/i18n/switch/?language=en&next=/path``.

Django's ``set_language`` takes a POST with a CSRF token, and a token in the header of every page
makes every page personal: no page could be shared from the anonymous page cache
(``portal/pagecache.py``). Choosing the display language is a preference, not an action on
anyone's data, so it needs no token: this view only sets the language cookie (the same cookie,
with the same settings, ``set_language`` sets) and sends the visitor back to ``next`` when that is
a path on this site (anything else: the home page).
"""

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache


@never_cache
def switch(request):
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    language = request.GET.get("language")
    if language in {code for code, _name in settings.LANGUAGES}:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response

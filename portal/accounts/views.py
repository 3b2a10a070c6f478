"""Account pages the kernel wraps around allauth's."""

from allauth.account import views as allauth_views
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

PHONE_NEXT_SESSION_KEY = "portal_phone_next"


def change_phone(request):
    """allauth's change-phone page, remembering ``?next=``. allauth's SMS verification always
    ends back on this page without it, so once the number is verified the user is sent on to
    the page that asked for a verified number (e.g. the volunteer registration form).
    Only local URLs are remembered."""
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        request.session[PHONE_NEXT_SESSION_KEY] = next_url
    elif (
        request.method == "GET"
        and request.user.is_authenticated
        and request.user.phone_verified
        and PHONE_NEXT_SESSION_KEY in request.session
    ):
        return redirect(request.session.pop(PHONE_NEXT_SESSION_KEY))
    return allauth_views.change_phone(request)

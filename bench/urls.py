"""The portal's URLs plus H, the bare Django "hello" view every benchmark figure is a ratio to.

H has no database access; bench/harness.py calls it through a handler with no middleware.
"""

from django.http import HttpResponse
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns


def hello(request):
    return HttpResponse(b"hello")


urlpatterns = [path("__hello/", hello), *portal_urlpatterns]

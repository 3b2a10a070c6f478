"""H for `make bench`: a bare Django "hello" app (no middleware, no database, DEBUG off), served by
the same gunicorn configuration as the portal (``gunicorn --config gunicorn.conf.py
bench.hello_wsgi:application``)."""

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="hello-bench-not-secret",  # noqa: S106 — signs nothing
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
)


def hello(request):
    return HttpResponse(b"hello")


urlpatterns = [path("", hello)]
application = get_wsgi_application()

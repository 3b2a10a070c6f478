from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from portal import language, views
from portal.accounts import views as account_views
from portal.api import api

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    # A GET link target, so no page carries a CSRF token for it (portal/language.py).
    path("i18n/switch/", language.switch, name="language_switch"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Before allauth's own: the same page, sending the user on to ``?next=`` once verified.
    path("accounts/phone/change/", account_views.change_phone, name="account_change_phone"),
    path("accounts/", include("allauth.urls")),
    path("certificates/verify/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:number>.pdf", views.certificate_download, name="certificate_download"),
    path("learning/", include("courses.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += [path("campaign/", include("home.urls"))]
urlpatterns += [path("volunteers/", include("volunteers.urls"))]
urlpatterns += [path("training/", include("training.urls"))]

urlpatterns += [path("", include(wagtail_urls))]

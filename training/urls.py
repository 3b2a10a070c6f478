from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.session_list, name="sessions"),
    path("sessions/<int:session_id>/book/", views.book, name="book"),
    path("my/", views.my_bookings, name="my_bookings"),
    path("my/helper-code/", views.helper_code_page, name="helper_code"),
    path("bookings/<int:booking_id>/", views.booking_detail, name="booking"),
    path("bookings/<int:booking_id>/accept/", views.booking_offer_accept, name="booking_offer_accept"),
    path("bookings/<int:booking_id>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("unit/", views.unit_home, name="unit_home"),
    path("unit/book/", views.unit_book, name="unit_book"),
    path("unit/roster/", views.unit_roster, name="unit_roster"),
    path("unit/roster/template.xlsx", views.roster_template, name="roster_template"),
    path("unit/roster/report/<str:token>.xlsx", views.roster_report, name="roster_report"),
    path(
        "units/<int:organisation_id>/certificates.zip",
        views.unit_certificates_zip,
        name="unit_certificates_zip",
    ),
    path("run/", views.trainer_home, name="trainer_home"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:session_id>/checkin/", views.checkin_page, name="checkin"),
    path("sessions/<int:session_id>/checkin/scan/", views.checkin_scan, name="checkin_scan"),
    path("sessions/<int:session_id>/helpers/", views.helpers_page, name="helpers"),
    path("sessions/<int:session_id>/helpers/scan/", views.helpers_scan, name="helpers_scan"),
    path("sessions/<int:session_id>/signoff/", views.signoff, name="signoff"),
    path("sessions/<int:session_id>/close/", views.session_close, name="close"),
    path(
        "sessions/<int:session_id>/certificates.zip",
        views.session_certificates_zip,
        name="session_certificates_zip",
    ),
    path("certificates/find/", views.certificate_find, name="certificate_find"),
    path("certificates/<str:number>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("dashboard/", views.dashboard, name="dashboard"),
]

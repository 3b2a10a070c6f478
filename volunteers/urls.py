from django.urls import path

from volunteers import views

app_name = "volunteers"

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.register, name="register"),
    path("register/done/", views.register_done, name="register_done"),
    path("me/", views.me, name="me"),
    path("me/qr.png", views.my_qr, name="my_qr"),
    path("me/hours/", views.my_hours, name="my_hours"),
    path("me/hours/declare/", views.declare, name="declare"),
    path("me/hours/<int:pk>/correction/", views.correction, name="correction"),
    path("me/certificate/", views.my_certificate, name="my_certificate"),
    path("teams/join/", views.team_join, name="team_join"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", views.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="activity_cancel"),
    path("scan/", views.scan, name="scan"),
    path("stars/", views.star_notices, name="star_notices"),
    # Team leaders (and coordinators)
    path("lead/", views.lead_home, name="lead_home"),
    path("lead/activities/new/", views.activity_new, name="activity_new"),
    path("lead/activities/<int:pk>/signin/", views.activity_signin, name="activity_signin"),
    path("lead/activities/<int:pk>/insurance/", views.activity_insurance, name="activity_insurance"),
    path("lead/activities/<int:pk>/qr/", views.activity_qr, name="activity_qr"),
    path("lead/activities/<int:pk>/qr.png", views.activity_qr_png, name="activity_qr_png"),
    path("lead/activities/<int:pk>/hours/", views.activity_hours, name="activity_hours"),
    path("lead/records/", views.records_pending, name="records_pending"),
    path("lead/requests/", views.join_requests, name="join_requests"),
    path("lead/corrections/", views.corrections, name="corrections"),
    # Street coordinators
    path("street/", views.street_home, name="street_home"),
    path("street/roster/", views.roster, name="roster"),
    path("street/nominate/", views.nominate, name="nominate"),
    # District admins
    path("district/", views.district_dashboard, name="district_dashboard"),
    path("district/export/<str:kind>.xlsx", views.district_export, name="district_export"),
    path("district/role-models/", views.role_models, name="role_models"),
]

from django.urls import path

from home import feeds, views

app_name = "home"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("progress/", views.progress, name="progress"),
    path("rss/<slug:code>/", feeds.ChannelFeed(), name="channel_feed"),
    path("tools/escape-plan/", views.escape_plan, name="escape_plan"),
    path("tools/self-check/", views.self_check, name="self_check"),
    path("tools/self-check/report/", views.hazard_report, name="hazard_report"),
]

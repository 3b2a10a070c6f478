from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("lessons/<int:lesson_id>/complete/", views.lesson_complete, name="lesson_complete"),
    path("quizzes/<int:quiz_id>/start/", views.quiz_start, name="quiz_start"),
    path("attempts/<int:attempt_id>/", views.attempt, name="attempt"),
    path("attempts/<int:attempt_id>/result/", views.attempt_result, name="attempt_result"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("my-street/", views.learner_area, name="learner_area"),
]

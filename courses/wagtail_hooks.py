"""Courses in the Wagtail admin: question bank (with xlsx import/export), topics, quiz rounds.

Listings are area-scoped: the shared bank (no district) plus the districts the user may act in.
"""

import secrets

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from courses import services
from courses.models import Question, QuizRound, Topic
from portal.errors import PortalError
from portal.selectors import areas_visible_to


class QuestionAdminForm(WagtailAdminModelForm):
    """The same option rules as the import (``services.question_options_validate``)."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("options") if hasattr(self, "formsets") else None
        if formset is not None and formset.is_valid():
            options = [
                (form.cleaned_data.get("text", ""), bool(form.cleaned_data.get("is_correct")))
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            try:
                services.question_options_validate(kind=cleaned.get("kind"), options=options)
            except PortalError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
        return cleaned


def _bank_for(user):
    questions = Question.objects.all()
    if user.is_superuser:
        return questions
    return questions.filter(Q(district__isnull=True) | Q(district__in=areas_visible_to(user=user)))


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = gettext_lazy("Question bank")
    list_display = ["code", "text", "kind", "difficulty", "district", "is_active"]
    list_filter = ["kind", "difficulty", "is_active", "topics"]
    search_fields = ["code", "text"]
    base_form_class = QuestionAdminForm
    copy_view_enabled = False

    def get_queryset(self, request):
        return _bank_for(request.user).select_related("district")


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    menu_label = gettext_lazy("Topics")
    list_display = ["name", "slug", "sort_order"]


class QuizRoundViewSet(SnippetViewSet):
    model = QuizRound
    icon = "date"
    menu_label = gettext_lazy("Quiz rounds")
    list_display = ["name", "quiz", "starts_at", "ends_at"]

    def get_queryset(self, request):
        return QuizRound.objects.select_related("quiz")


class CoursesGroup(SnippetViewSetGroup):
    items = (QuestionViewSet, TopicViewSet, QuizRoundViewSet)
    menu_icon = "doc-full-inverse"
    menu_label = gettext_lazy("Courses")
    menu_name = "courses"


register_snippet(CoursesGroup)


# ------------------------------------------------------------------------------
# xlsx import / export of the bank
# ------------------------------------------------------------------------------
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("xlsx file"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _("Upload the question bank as an Excel .xlsx file."), code="import_type"
            )
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB; split it into several files."), code="import_size"
            )
        return upload


IMPORT_REPORT_KEY = "courses_import_report"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def questions_import_view(request):
    if not request.user.has_perm("courses.add_question"):
        raise PermissionDenied
    report = None
    report_url = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = services.questions_import_xlsx(file=form.cleaned_data["file"], actor=request.user)
        if report.ok:
            request.session.pop(IMPORT_REPORT_KEY, None)
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s updated.")
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("wagtailsnippets_courses_question:list")
        # The row-by-row report stays downloadable from this session (a token per upload, so an
        # old link never serves a newer file's problems).
        token = secrets.token_urlsafe(8)
        request.session[IMPORT_REPORT_KEY] = {
            "token": token,
            "rows": [
                [error.row, problem.column, str(problem.message)]
                for error in report.errors
                for problem in error.problems
            ],
        }
        report_url = reverse("courses_questions_import_report", kwargs={"token": token})
    return TemplateResponse(
        request,
        "courses/admin/questions_import.html",
        {"form": form, "report": report, "report_url": report_url, "headers": services.XLSX_HEADERS},
    )


def questions_import_report_view(request, token: str):
    """The last refused import's problems (row, column, problem) as an xlsx file."""
    if not request.user.has_perm("courses.add_question"):
        raise PermissionDenied
    stored = request.session.get(IMPORT_REPORT_KEY) or {}
    if not secrets.compare_digest(str(stored.get("token", "")), token):
        raise Http404
    errors: dict[int, services.ImportRowError] = {}
    for row, column, message in stored["rows"]:
        errors.setdefault(row, services.ImportRowError(row=row)).problems.append(
            services.ImportProblem(column, message)
        )
    response = HttpResponse(
        services.import_error_report_xlsx(errors=list(errors.values())), content_type=XLSX
    )
    response["Content-Disposition"] = 'attachment; filename="question-import-problems.xlsx"'
    return response


def questions_export_view(request):
    if not request.user.has_perm("courses.view_question"):
        raise PermissionDenied
    content = services.questions_export_xlsx(queryset=_bank_for(request.user))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="question-bank.xlsx"'
    return response


@hooks.register("register_admin_urls")
def register_question_bank_urls():
    return [
        path("courses/questions/import/", questions_import_view, name="courses_questions_import"),
        path("courses/questions/export/", questions_export_view, name="courses_questions_export"),
        path(
            "courses/questions/import/report/<str:token>.xlsx",
            questions_import_report_view,
            name="courses_questions_import_report",
        ),
    ]


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Import questions (xlsx)"),
        reverse("courses_questions_import"),
        icon_name="upload",
        order=10001,
        permission="courses.add_question",
    )


@hooks.register("register_admin_menu_item")
def register_export_menu_item():
    return PermissionMenuItem(
        gettext_lazy("Export questions (xlsx)"),
        reverse("courses_questions_export"),
        icon_name="download",
        order=10002,
        permission="courses.view_question",
    )

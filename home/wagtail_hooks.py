"""Campaign site in the Wagtail admin: hazard reports (scoped by street), the 五进 coverage view and
the reviewers of campaign content."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from home import selectors, services
from home.models import HazardReport
from portal.errors import PortalError
from portal.params import id_param
from portal.wagtail_hooks import ScopedViewSet
from portal.xlsx import workbook_bytes

COVERAGE_PERMISSION = "wagtailadmin.access_admin"


class HazardReportViewSet(ScopedViewSet):
    """Street coordinators see their street's reports; the phone is shown masked."""

    model = HazardReport
    icon = "warning"
    menu_label = gettext_lazy("Hazard reports")
    add_to_admin_menu = True
    list_display = ["area", "hazards_display", "address_hint", "phone_masked", "status", "created_at"]
    list_filter = ["status"]
    form_fields = ["status"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "area",
        "hazards_display",
        "address_hint",
        "note",
        "phone_masked",
        "status",
        "created_at",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area")


register_snippet(HazardReportViewSet)


def coverage_view(request):
    """Streets × channels: articles, sessions and activities in the last 90 days; empty cells are
    blind spots."""
    if not request.user.has_perm(COVERAGE_PERMISSION):
        raise PermissionDenied
    channels, rows = selectors.coverage(user=request.user)
    if request.GET.get("format") == "xlsx":
        return _coverage_xlsx(channels, rows)
    return render(
        request,
        "home/admin/coverage.html",
        {
            "channels": channels,
            "rows": rows,
            "days": selectors.COVERAGE_DAYS,
            "header_title": _("五进 coverage"),
        },
    )


def _coverage_xlsx(channels, rows) -> HttpResponse:
    """Two header rows: each channel's name over its three counts; blind spots filled red."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Coverage")
    kinds = [_("Articles"), _("Training sessions"), _("Volunteer activities")]
    sheet.append([_("Street"), *[channel.name for channel in channels for _kind in kinds], _("Blind spots")])
    sheet.append(["", *[kind for _channel in channels for kind in kinds], ""])
    for n in range(len(channels)):
        first = 2 + n * len(kinds)
        sheet.merge_cells(start_row=1, start_column=first, end_row=1, end_column=first + len(kinds) - 1)
        sheet.cell(row=1, column=first).alignment = Alignment(horizontal="center")
    last = 2 + len(channels) * len(kinds)
    sheet.merge_cells(start_row=1, start_column=1, end_row=2, end_column=1)
    sheet.merge_cells(start_row=1, start_column=last, end_row=2, end_column=last)
    blind = PatternFill("solid", fgColor="FFCDD2")
    for row in rows:
        sheet.append(
            [
                row.street.name,
                *[count for cell in row.cells for count in (cell.articles, cell.sessions, cell.activities)],
                row.blind_spots,
            ]
        )
        for n, cell in enumerate(row.cells):
            if cell.blind:
                for column in range(2 + n * len(kinds), 2 + (n + 1) * len(kinds)):
                    sheet.cell(row=sheet.max_row, column=column).fill = blind
    sheet.freeze_panes = "B3"
    response = HttpResponse(
        workbook_bytes(workbook),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="coverage-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


REVIEWERS_PERMISSION = "portal.change_user"


def reviewers_view(request):
    """A district administrator makes staff of their district reviewers (审核员) of campaign
    content, or stops them being one (``home.services.reviewer_set``)."""
    if not request.user.has_perm(REVIEWERS_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        candidates = selectors.reviewer_candidates(user=request.user, limit=None)
        account = get_object_or_404(candidates, pk=id_param(request.POST.get("user")))
        is_reviewer = request.POST.get("is_reviewer") == "1"
        try:
            services.reviewer_set(user=account, is_reviewer=is_reviewer, by=request.user)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            if is_reviewer:
                messages.success(
                    request, _("%(name)s is now a reviewer.") % {"name": account.get_full_name() or account}
                )
            else:
                messages.success(
                    request,
                    _("%(name)s is no longer a reviewer.") % {"name": account.get_full_name() or account},
                )
        return redirect("home_reviewers")
    query = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "home/admin/reviewers.html",
        {
            "accounts": selectors.reviewer_candidates(user=request.user, query=query),
            "query": query,
            "header_title": _("Content reviewers"),
        },
    )


@hooks.register("register_admin_urls")
def register_coverage_url():
    return [
        path("campaign/coverage/", coverage_view, name="home_coverage"),
        path("campaign/reviewers/", reviewers_view, name="home_reviewers"),
    ]


class CoverageMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(COVERAGE_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_coverage_menu_item():
    return CoverageMenuItem(
        gettext_lazy("五进 coverage"), reverse("home_coverage"), icon_name="table", order=900
    )


class ReviewersMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(REVIEWERS_PERMISSION)


@hooks.register("register_admin_menu_item")
def register_reviewers_menu_item():
    return ReviewersMenuItem(
        gettext_lazy("Content reviewers"), reverse("home_reviewers"), icon_name="tasks", order=910
    )

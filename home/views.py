"""Thin views of the campaign site: search, progress, the 进家庭 tools."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.models import Site

from home import selectors, services
from home.forms import EscapePlanForm, HazardReportForm, RoomFormSet, SelfCheckForm
from home.models import HomePage
from home.selfcheck import QUESTIONS
from portal.errors import PortalError

DEFAULT_ROOMS = ["客厅", "主卧", "次卧", "厨房"]


def _home(request: HttpRequest) -> HomePage:
    site = Site.find_for_request(request)
    root = site.root_page.specific if site else None
    if not isinstance(root, HomePage):
        raise Http404("no district site")
    return root


def search(request: HttpRequest) -> HttpResponse:
    home = _home(request)
    query = request.GET.get("q", "").strip()[:50]
    results = list(selectors.pages_search(home=home, query=query)) if query else []
    return render(request, "home/search.html", {"home": home, "query": query, "results": results})


def progress(request: HttpRequest) -> HttpResponse:
    home = _home(request)
    year = timezone.localdate().year
    rows = selectors.targets_with_history(district=home.district, year=year)
    days = sorted({day for row in rows for day, _value in row.history})
    chart = {
        "labels": [day.isoformat() for day in days],
        "datasets": [
            {
                "label": str(row.target.get_metric_display()),
                # share of the plan value, so targets in 人 and in % fit one axis
                "data": [
                    float(round(dict(row.history)[day] * 100 / row.target.value, 1))
                    if day in dict(row.history) and row.target.value
                    else None
                    for day in days
                ],
            }
            for row in rows
        ],
    }
    context = {
        "home": home,
        "year": year,
        "period": rows[0].target.period if rows else None,
        "rows": rows,
        "chart": chart,
        "fire_history": selectors.fire_history(district=home.district),
    }
    return render(request, "home/progress.html", context)


@require_http_methods(["GET", "POST"])
def escape_plan(request: HttpRequest) -> HttpResponse:
    """Stateless: the plan is built from the form and shown as one printable page; nothing stored."""
    if request.method == "POST":
        form = EscapePlanForm(request.POST)
        rooms = RoomFormSet(request.POST, prefix="rooms")
        if form.is_valid() and rooms.is_valid():
            filled = [room for room in rooms.cleaned_data if room.get("name")]
            if filled:
                helpers = [line.strip() for line in form.cleaned_data["helpers"].splitlines() if line.strip()]
                return render(
                    request,
                    "home/escape_plan_print.html",
                    {
                        "plan": form.cleaned_data,
                        "rooms": filled,
                        "helpers": helpers,
                        "made_on": timezone.localdate(),
                    },
                )
            rooms._non_form_errors = rooms.error_class([_("Add at least one room with its two ways out.")])
    else:
        form = EscapePlanForm()
        rooms = RoomFormSet(prefix="rooms", initial=[{"name": name} for name in DEFAULT_ROOMS])
    return render(
        request,
        "home/escape_plan.html",
        {"form": form, "rooms": rooms},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def self_check(request: HttpRequest) -> HttpResponse:
    home = _home(request)
    form = SelfCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        advice = [q for q in QUESTIONS if form.cleaned_data[q.code] == q.risky_answer]
        hazards = [q.code for q in advice if q.hazard]
        report_form = (
            HazardReportForm(district=home.district, initial={"hazards": hazards}) if hazards else None
        )
        return render(
            request,
            "home/self_check_result.html",
            {"advice": advice, "hazards": [q for q in advice if q.hazard], "report_form": report_form},
        )
    return render(
        request, "home/self_check.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@require_http_methods(["POST"])
def hazard_report(request: HttpRequest) -> HttpResponse:
    home = _home(request)
    form = HazardReportForm(request.POST, district=home.district)
    if form.is_valid():
        try:
            report = services.hazard_report_create(
                area_id=form.cleaned_data["area"].pk,
                hazards=form.cleaned_data["hazards"],
                address_hint=form.cleaned_data["address_hint"],
                note=form.cleaned_data["note"],
                phone=form.cleaned_data["phone"],
            )
        except PortalError as error:
            form.add_error(error.field, error.message)
        else:
            return render(request, "home/hazard_report_sent.html", {"report": report})
    hazards = [q for q in QUESTIONS if q.hazard and q.code in request.POST.getlist("hazards")]
    return render(
        request,
        "home/self_check_result.html",
        {"advice": hazards, "hazards": hazards, "report_form": form},
        status=400,
    )

"""Kernel models in the Wagtail admin, each listing filtered through ``selectors.visible_to``."""

from functools import wraps

from django.contrib.admin.utils import unquote
from django.http import Http404
from django.urls import URLPattern
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet, SnippetViewSetGroup

from portal import selectors
from portal.admin_forms import AreaCreateForm, AreaScopedForm
from portal.models import Area, AuditEntry, Certificate, Channel, Organisation, Person, PlanPeriod, Target


class ObjectScopeMixin:
    """Every view of one record (edit, delete, inspect, usage, history, revisions…) answers 404
    for a record the viewset's ``get_queryset`` (the scoped listing) hides from the user.

    Wagtail's per-object views look the record up by pk in the whole table and check only the
    model permission, so a district admin could open another district's areas, units, venues,
    people (inspect shows the masked ID), certificates and audit entries by typing a URL."""

    def get_urlpatterns(self):
        patterns = super().get_urlpatterns()
        for pattern in patterns:
            if isinstance(pattern, URLPattern) and "pk" in pattern.pattern.regex.groupindex:
                pattern.callback = self._scoped(pattern.callback)
        return patterns

    def _scoped(self, view):
        @wraps(view)
        def scoped_view(request, *args, **kwargs):
            pk = unquote(str(kwargs.get("pk", "")))
            if not self.get_queryset(request).filter(pk=pk).exists():
                raise Http404
            return view(request, *args, **kwargs)

        return scoped_view


class ScopedViewSet(ObjectScopeMixin, SnippetViewSet):
    """A snippet listing restricted to the user's area through ``area_field``; so is every view
    of one record."""

    area_field = "area"
    copy_view_enabled = False

    def get_queryset(self, request):
        return selectors.visible_to(self.model.objects.all(), user=request.user, area_field=self.area_field)


class AreaCreateView(CreateView):
    def save_instance(self):
        return self.form.save()


class AreaViewSet(ObjectScopeMixin, SnippetViewSet):
    model = Area
    icon = "site"
    menu_label = _("Areas")
    list_display = ["name", "level", "parent", "resident_population"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    copy_view_enabled = False
    add_view_class = AreaCreateView
    form_fields = ["name", "resident_population", "sort_order"]

    def get_queryset(self, request):
        return selectors.areas_visible_to(user=request.user).select_related("parent")

    def get_form_class(self, for_update: bool = False):  # noqa: FBT001, FBT002 — Wagtail's signature
        if for_update:
            return super().get_form_class(for_update=True)
        return AreaCreateForm


class OrganisationViewSet(ScopedViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    list_display = ["name", "kind", "area", "contact_name"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    form_fields = ["name", "kind", "credit_code", "area", "address", "contact_name", "managers"]
    base_form_class = AreaScopedForm


class PlanPeriodViewSet(ScopedViewSet):
    model = PlanPeriod
    icon = "date"
    menu_label = _("Plan periods")
    area_field = "district"
    list_display = ["name", "district", "start_year", "end_year", "plan_title"]
    form_fields = ["district", "name", "start_year", "end_year", "plan_title"]
    base_form_class = AreaScopedForm


class TargetViewSet(ScopedViewSet):
    model = Target
    icon = "list-ol"
    menu_label = _("Targets")
    area_field = "period__district"
    list_display = ["metric", "kind", "value", "unit", "period", "source"]
    list_filter = ["metric", "kind"]
    form_fields = ["period", "metric", "kind", "comparison", "value", "unit", "source", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("period__district")


class PersonViewSet(ScopedViewSet):
    """Read-only, and masked: the full ID number is revealed only through an audited service."""

    model = Person
    icon = "user"
    menu_label = _("People")
    list_display = ["name", "id_number_masked", "phone_masked", "area", "organisation"]
    search_fields = ["name"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "name",
        "id_type",
        "id_number_masked",
        "phone_masked",
        "gender",
        "birth_date",
        "area",
        "organisation",
    ]
    # The model's own panels put the decrypted ID number and phone into the edit form (a
    # superuser saw them unaudited): the admin edits the name only.
    panels = [FieldPanel("name")]


class CertificateViewSet(ScopedViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = _("Certificates")
    area_field = "district"
    list_display = ["number", "kind", "holder_name_masked", "issuer_name", "issued_on", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["number"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "number",
        "kind",
        "title",
        "holder_name_masked",
        "holder_id_masked",
        "issuer_name",
        "issued_on",
        "status",
        "revoked_at",
        "revoke_reason",
    ]
    form_fields = ["title"]


class AuditEntryViewSet(ScopedViewSet):
    model = AuditEntry
    icon = "history"
    menu_label = _("Audit log")
    list_display = ["created_at", "actor", "action", "object_id"]
    list_filter = ["action"]
    inspect_view_enabled = True
    form_fields = ["action"]


class ChannelViewSet(SnippetViewSet):
    """Channels are shared by every district; only users with the permission (editors) edit them."""

    model = Channel
    icon = "tag"
    menu_label = _("Campaign channels")
    list_display = ["name", "code", "audience", "sort_order", "is_active"]
    form_fields = ["name", "code", "audience", "description", "sort_order", "is_active"]


class KernelGroup(SnippetViewSetGroup):
    menu_label = _("Districts and records")
    menu_icon = "folder-open-inverse"
    menu_order = 200
    items = (
        AreaViewSet,
        ChannelViewSet,
        OrganisationViewSet,
        PlanPeriodViewSet,
        TargetViewSet,
        PersonViewSet,
        CertificateViewSet,
        AuditEntryViewSet,
    )


register_snippet(KernelGroup)

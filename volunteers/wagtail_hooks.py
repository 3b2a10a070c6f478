"""Volunteers in the Wagtail admin: every listing scoped through ``selectors.visible_to``; every
decision (registration, service record, role model) goes through ``volunteers.services``, so the
admin refuses self-approval and out-of-area decisions exactly like the pages and the API."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from portal import selectors
from portal.errors import PortalError
from portal.wagtail_hooks import ObjectScopeMixin
from volunteers import services
from volunteers.models import (
    Activity,
    CertificateSetting,
    RoleModel,
    ServiceRecord,
    StarLevelSetting,
    Team,
    VolunteerProfile,
)


class ScopedEditView(EditView):
    """Opening a record outside one's area answers 404, like the listing that hides it: the
    viewsets' ``ObjectScopeMixin`` checks every view of one record against the scoped listing.
    (This view used to filter by ``area`` whatever the viewset's ``area_field``: editing the star
    levels or the certificate settings, scoped by ``district``, was a server error.)"""


class ServiceDecisionView(ScopedEditView):
    """The edit form only carries a decision; saving calls the service, never ``form.save()``."""

    def decide(self, form):  # pragma: no cover - overridden
        raise NotImplementedError

    def form_valid(self, form):
        self.form = form
        try:
            self.decide(form)
        except PortalError as exc:
            form.add_error(None, exc.message)
            self.produced_error_message = exc.message
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.get_success_url())


class RecordDecisionView(ServiceDecisionView):
    def decide(self, form):
        state = form.cleaned_data["state"]
        record = ServiceRecord.objects.get(pk=self.object.pk)
        if state == ServiceRecord.State.APPROVED:
            services.service_record_approve(records=[record], by=self.request.user)
        elif state == ServiceRecord.State.DECLINED:
            services.service_record_decline(
                records=[record], by=self.request.user, reason=form.cleaned_data.get("decision_reason", "")
            )
        else:
            raise PortalError(_("A decided record cannot go back to pending."), code="NOT_PENDING")


class RegistrationDecisionView(ServiceDecisionView):
    def decide(self, form):
        status = form.cleaned_data["status"]
        profile = VolunteerProfile.objects.get(pk=self.object.pk)
        if status == VolunteerProfile.Status.APPROVED:
            services.volunteer_approve(profile=profile, by=self.request.user)
        elif status == VolunteerProfile.Status.DECLINED:
            services.volunteer_decline(
                profile=profile, by=self.request.user, reason=form.cleaned_data.get("decision_reason", "")
            )
        else:
            raise PortalError(_("This registration has already been decided."), code="NOT_PENDING")


class RoleModelDecisionView(ServiceDecisionView):
    def decide(self, form):
        status = form.cleaned_data["status"]
        nomination = RoleModel.objects.get(pk=self.object.pk)
        services.role_model_select(
            nomination=nomination, by=self.request.user, selected=status == RoleModel.Status.SELECTED
        )


class ScopedViewSet(ObjectScopeMixin, SnippetViewSet):
    area_field = "area"
    copy_view_enabled = False
    inspect_view_enabled = False
    edit_view_class = ScopedEditView

    def get_queryset(self, request):
        return selectors.visible_to(self.model.objects.all(), user=request.user, area_field=self.area_field)


class VolunteerProfileViewSet(ScopedViewSet):
    """Masked: the person's string is name + masked ID; phones are never listed."""

    model = VolunteerProfile
    icon = "user"
    menu_label = _("Volunteers")
    list_display = ["person", "number", "street", "community", "status", "approved_hours", "star_level"]
    list_filter = ["status", "star_level"]
    search_fields = ["number"]
    panels = [FieldPanel("status"), FieldPanel("decision_reason")]
    edit_view_class = RegistrationDecisionView

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person", "street", "community")


class TeamViewSet(ScopedViewSet):
    model = Team
    icon = "group"
    menu_label = _("Volunteer teams")
    list_display = ["name", "kind", "area", "join_code", "is_active"]
    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("is_active")]


class ActivityViewSet(ScopedViewSet):
    model = Activity
    icon = "date"
    menu_label = _("Volunteer activities")
    list_display = ["title", "activity_type", "channel", "area", "starts_at", "capacity", "status"]
    list_filter = ["status", "activity_type", "is_risky"]
    search_fields = ["title"]
    panels = [FieldPanel("title"), FieldPanel("description"), FieldPanel("location")]


class ServiceRecordViewSet(ScopedViewSet):
    model = ServiceRecord
    icon = "time"
    menu_label = _("Service records")
    list_display = ["title", "volunteer", "started_at", "hours", "state", "flagged_auto_closed"]
    list_filter = ["state", "origin", "flagged_auto_closed", "activity_type"]
    panels = [FieldPanel("state"), FieldPanel("decision_reason")]
    edit_view_class = RecordDecisionView

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer__person")


class RoleModelViewSet(ScopedViewSet):
    model = RoleModel
    icon = "pick"
    menu_label = _("Volunteer role models")
    area_field = "volunteer__area"
    list_display = ["volunteer", "year", "status"]
    list_filter = ["status", "year"]
    panels = [FieldPanel("status")]
    edit_view_class = RoleModelDecisionView


class StarLevelSettingViewSet(ScopedViewSet):
    model = StarLevelSetting
    icon = "pick"
    menu_label = _("Star levels")
    area_field = "district"
    list_display = ["district", "star1", "star2", "star3", "star4", "star5", "notice_days"]
    panels = [
        FieldPanel("district"),
        FieldPanel("star1"),
        FieldPanel("star2"),
        FieldPanel("star3"),
        FieldPanel("star4"),
        FieldPanel("star5"),
        FieldPanel("notice_days"),
    ]


class CertificateSettingViewSet(ScopedViewSet):
    model = CertificateSetting
    icon = "doc-full"
    menu_label = _("Service certificate issuer")
    area_field = "district"
    list_display = ["district", "issuer_name", "person_in_charge", "handler", "contact"]
    panels = [
        FieldPanel("district"),
        FieldPanel("issuer_name"),
        FieldPanel("person_in_charge"),
        FieldPanel("handler"),
        FieldPanel("contact"),
        FieldPanel("seal_image"),
    ]


class VolunteersGroup(SnippetViewSetGroup):
    menu_label = _("Volunteers")
    menu_icon = "group"
    menu_order = 210
    items = (
        VolunteerProfileViewSet,
        TeamViewSet,
        ActivityViewSet,
        ServiceRecordViewSet,
        RoleModelViewSet,
        StarLevelSettingViewSet,
        CertificateSettingViewSet,
    )


register_snippet(VolunteersGroup)

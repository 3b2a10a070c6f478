"""Training in the Wagtail admin: venues, sessions and practical items; listings area-scoped
through ``portal.selectors.visible_to`` and area choices limited by ``AreaScopedForm``.

Sessions are created by trainers through ``training.services.session_create`` (pages and API: it
sets the items and checks the trainer's area); the admin edits only their title, capacity,
booking window and status, and lists bookings' counts."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from portal.admin_forms import AreaScopedForm
from portal.wagtail_hooks import ScopedViewSet
from training.models import PracticalItem, Session, Venue


class VenueViewSet(ScopedViewSet):
    model = Venue
    icon = "home"
    menu_label = _("Training venues")
    list_display = ["name", "kind", "area", "capacity", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "address"]
    form_fields = ["name", "kind", "area", "address", "capacity", "trainers", "extra_items", "is_active"]
    base_form_class = AreaScopedForm


class SessionViewSet(ScopedViewSet):
    model = Session
    icon = "date"
    menu_label = _("Training sessions")
    list_display = ["__str__", "kind", "venue", "area", "capacity", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    form_fields = ["title", "capacity", "booking_opens_at", "booking_closes_at", "status"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("venue", "area")


class PracticalItemViewSet(SnippetViewSet):
    """Items are shared by the district's venues; the two standard ones come with the migration."""

    model = PracticalItem
    icon = "tick-inverse"
    menu_label = _("Practical items")
    list_display = ["name", "code", "is_standard", "sort_order"]
    form_fields = ["code", "name", "description", "sort_order"]
    copy_view_enabled = False


class TrainingGroup(SnippetViewSetGroup):
    menu_label = _("一警六员 training")
    menu_icon = "group"
    menu_order = 230
    items = (VenueViewSet, SessionViewSet, PracticalItemViewSet)


register_snippet(TrainingGroup)

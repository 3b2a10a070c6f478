"""Wagtail admin forms whose area choices are limited to the areas the editor may act in."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from portal import selectors, services
from portal.errors import PortalError
from portal.models import Area


class AreaScopedForm(WagtailAdminModelForm):
    """Every ForeignKey to Area offers only areas visible to the user (one rule: ``visible_to``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        visible = selectors.areas_visible_to(user=self.for_user) if self.for_user else Area.objects.none()
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset.model is Area:
                field.queryset = field.queryset.filter(pk__in=visible.values("pk"))


class AreaCreateForm(AreaScopedForm):
    parent = forms.ModelChoiceField(
        queryset=Area.objects.exclude(level=Area.Level.GRID), label=_("parent area"), required=True
    )

    class Meta:
        model = Area
        fields = ["parent", "name", "code", "resident_population"]

    def save(self, commit: bool = True) -> Area:  # noqa: FBT001, FBT002 — Django's signature
        # Areas need their path computed: the service is the only way in.
        try:
            return services.area_create(
                name=self.cleaned_data["name"],
                code=self.cleaned_data["code"],
                parent=self.cleaned_data["parent"],
                resident_population=self.cleaned_data.get("resident_population"),
            )
        except PortalError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

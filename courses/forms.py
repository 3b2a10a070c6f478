from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Area


class DashboardFilterForm(forms.Form):
    """District (among those the user may see) and year of the learning statistics."""

    district = forms.TypedChoiceField(label=_("District"), required=False, coerce=int, empty_value=None)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.districts = {d.pk: d for d in districts}
        self.fields["district"].choices = [(d.pk, d.name) for d in districts]
        this_year = timezone.localdate().year
        self.fields["year"].choices = [
            ("", _("All years")),
            *[(y, str(y)) for y in range(this_year, this_year - 4, -1)],
        ]

    def clean_district(self):
        value = self.cleaned_data.get("district")
        return self.districts.get(value) if value is not None else None


class StreetForm(forms.Form):
    """A learner says which street (or township) they live in; any street of any district."""

    area = forms.ModelChoiceField(
        label=_("Your street or township"),
        queryset=Area.objects.filter(level=Area.Level.STREET),
        empty_label=_("Choose…"),
    )

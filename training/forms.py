"""Forms of the training pages. They check shape only (required, lengths, choices, file type);
every rule (capacity, booking window, identity, all-or-nothing rosters) is the services' job,
and their PortalError / ValidationError messages are shown through ``add_service_error``.
"""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.errors import PortalError

MAX_ROSTER_BYTES = 2 * 1024 * 1024
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def add_service_error(form: forms.Form, error: Exception) -> None:
    """Put a service's refusal on the form: on the field it names, else at the top."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return
    if isinstance(error, PortalError):
        field = getattr(error, "field", None)
        form.add_error(field if field in form.fields else None, str(error.message))
        return
    raise error


class IdentityFields(forms.Form):
    name = forms.CharField(label=_("Full name (as on the ID card)"), max_length=64)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        help_text=_("18 characters; stored encrypted and only ever shown masked."),
    )


class SelfBookingForm(forms.Form):
    """A resident books for themself; without a person profile the form also asks who they are."""

    category = forms.TypedChoiceField(
        label=_("My 一警六员 category"), coerce=int, widget=forms.RadioSelect, choices=()
    )

    def __init__(self, *args, categories, ask_identity: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories
        if ask_identity:
            for name, field in IdentityFields.base_fields.items():
                self.fields[name] = copy.deepcopy(field)


class UnitPersonForm(IdentityFields):
    """One person of a small batch booking; an empty row is skipped."""

    category = forms.TypedChoiceField(label=_("Category"), coerce=int, choices=())

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories]
        self.empty_permitted = True
        self.use_required_attribute = False


UnitPersonFormSet = forms.formset_factory(UnitPersonForm, extra=5, max_num=20, validate_max=True)


class SessionChoiceForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Session"), queryset=None, empty_label=None)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = _session_label


def _session_label(session) -> str:
    # Local time (the model's __str__ is for logs and admin, in UTC).
    start = timezone.localtime(session.starts_at)
    return f"{session.title or session.get_kind_display()} · {start:%m-%d %H:%M} · {session.venue.name}"


class RosterUploadForm(SessionChoiceForm):
    roster = forms.FileField(
        label=_("Roster (xlsx)"),
        help_text=_("Columns: name, mobile number, ID number, category (1–7). At most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_roster(self):
        upload = self.cleaned_data["roster"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(
                _("Upload the roster as an Excel .xlsx file (use the template)."), code="roster_type"
            )
        if upload.size > MAX_ROSTER_BYTES:
            raise ValidationError(
                _("The file is larger than 2 MB; split it into several rosters."), code="roster_size"
            )
        return upload


class SessionCreateForm(forms.Form):
    """One session, or a weekly series when weekdays are ticked."""

    kind = forms.ChoiceField(label=_("Kind"), choices=())
    venue = forms.ModelChoiceField(label=_("Venue"), queryset=None)
    channel = forms.ModelChoiceField(label=_("Campaign channel (五进)"), queryset=None)
    first_date = forms.DateField(
        label=_("Date (first date of a series)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Repeat on (series)"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    weeks = forms.IntegerField(label=_("For how many weeks"), min_value=1, max_value=52, required=False)

    def __init__(self, *args, kinds, venues, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        self.fields["venue"].queryset = venues
        self.fields["channel"].queryset = channels

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error(
                "end_time", ValidationError(_("The end must be after the start."), code="end_before_start")
            )
        if data.get("weekdays") and not data.get("weeks"):
            self.add_error(
                "weeks", ValidationError(_("Say for how many weeks the series runs."), code="weeks_required")
            )
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"), max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(label=_("I am sure: revoke this certificate."))


class DashboardForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=())

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]

"""Forms of the volunteers pages: they check the shape of the input and label every field; the
rules (age, guardian, capacity, self-approval, area) live in ``volunteers.services``."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal import validators
from portal.models import Area
from volunteers.models import Availability, Skill


class CommunitySelect(forms.Select):
    """Communities grouped by street (<optgroup>), so the page's script can show one street's."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.groups: list[tuple[str, list[tuple[int, str]]]] = []

    def optgroups(self, name, value, attrs=None):
        chosen = {str(v) for v in value if v}
        result = [(None, [self.create_option(name, "", _("— choose your community —"), not chosen, 0)], 0)]
        for index, (label, options) in enumerate(self.groups, start=1):
            result.append(
                (
                    label,
                    [
                        self.create_option(name, pk, text, str(pk) in chosen, index, subindex=sub)
                        for sub, (pk, text) in enumerate(options)
                    ],
                    index,
                )
            )
        return result


class RegistrationForm(forms.Form):
    """Real-name registration of a fire volunteer; the mobile number comes from the verified account."""

    name = forms.CharField(
        label=_("Full name (as on your ID card)"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=18,
        help_text=_("18 characters. Your age is taken from it; it is stored encrypted and shown masked."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    street = forms.ModelChoiceField(
        label=_("Street or township"),
        queryset=Area.objects.none(),
        empty_label=_("— choose your street —"),
    )
    community = forms.ModelChoiceField(
        label=_("Community or village"), queryset=Area.objects.none(), widget=CommunitySelect
    )
    skills = forms.MultipleChoiceField(
        label=_("Skills"), required=False, widget=forms.CheckboxSelectMultiple, choices=Skill.choices
    )
    availability = forms.MultipleChoiceField(
        label=_("When you can serve"),
        widget=forms.CheckboxSelectMultiple,
        choices=Availability.choices,
        error_messages={"required": _("Choose at least one time when you can serve.")},
    )
    emergency_contact_name = forms.CharField(label=_("Emergency contact: name"), max_length=64)
    emergency_contact_phone = forms.CharField(
        label=_("Emergency contact: mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    notice_read = forms.BooleanField(
        label=_("I have read the personal information notice above."),
        error_messages={"required": _("Please read the personal information notice and tick the box.")},
    )
    id_consent = forms.BooleanField(
        label=_(
            "I separately consent to my ID number being processed for real-name registration and "
            "service-hour certificates."
        ),
        error_messages={
            "required": _(
                "Registration under your real name needs your separate consent to process the ID number."
            )
        },
    )
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=64, required=False)
    guardian_phone = forms.CharField(
        label=_("Guardian's mobile number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    guardian_relation = forms.CharField(
        label=_("Relationship to you"),
        max_length=16,
        required=False,
        help_text=_("For example 父亲 or 母亲."),
    )
    guardian_consent = forms.BooleanField(
        label=_(
            "My guardian has read the notice and consents to my registration and to the processing "
            "of my ID number."
        ),
        required=False,
    )

    def __init__(self, *args, district: Area | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        streets = Area.objects.filter(level=Area.Level.STREET).select_related("parent")
        communities = Area.objects.filter(level=Area.Level.COMMUNITY).select_related("parent__parent")
        if district is not None:
            streets = streets.filter(path__startswith=district.path)
            communities = communities.filter(path__startswith=district.path)
        streets = streets.order_by("parent__sort_order", "parent__name", "sort_order", "name")
        communities = list(
            communities.order_by(
                "parent__parent__sort_order",
                "parent__parent__name",
                "parent__sort_order",
                "parent__name",
                "sort_order",
                "name",
            )
        )
        # Two districts may both have a street of the same name: then every street is named
        # with its district ("西城区 · 金融街街道"), in the street list and the community groups
        # alike (the page's script pairs them by that label).
        districts = {street.parent_id for street in streets}
        with_district = len(districts) > 1

        def street_label(street: Area) -> str:
            return f"{street.parent.name} · {street.name}" if with_district else street.name

        self.fields["street"].queryset = streets
        self.fields["street"].label_from_instance = street_label
        self.fields["street"].widget.attrs["data-community-select"] = "id_community"
        self.fields["community"].queryset = Area.objects.filter(pk__in=[c.pk for c in communities])
        groups: dict[str, list[tuple[int, str]]] = {}
        for community in communities:
            groups.setdefault(street_label(community.parent), []).append((community.pk, community.name))
        self.fields["community"].widget.groups = list(groups.items())
        self.fields["id_number"].widget.attrs.update(
            {"data-guardian-section": "guardian-section", "data-underage-notice": "underage-notice"}
        )

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_id_number(self) -> str:
        return validators.validate_id_number(self.cleaned_data["id_number"])

    def clean_emergency_contact_phone(self) -> str:
        return validators.validate_mobile(self.cleaned_data["emergency_contact_phone"])

    def clean_guardian_phone(self) -> str:
        value = self.cleaned_data.get("guardian_phone", "")
        return validators.validate_mobile(value) if value else ""

    def clean(self) -> dict:
        cleaned = super().clean()
        street, community = cleaned.get("street"), cleaned.get("community")
        if street and community and community.parent_id != street.pk:
            self.add_error(
                "community",
                ValidationError(
                    _("This community does not belong to the street you chose."), code="community_street"
                ),
            )
        return cleaned

    def guardian(self) -> dict | None:
        """The guardian's consent as entered, or None when the section was left empty."""
        data = self.cleaned_data
        if not (data.get("guardian_name") or data.get("guardian_phone") or data.get("guardian_consent")):
            return None
        return {
            "name": data.get("guardian_name", ""),
            "phone": data.get("guardian_phone", ""),
            "relation": data.get("guardian_relation", ""),
            "consent": bool(data.get("guardian_consent")),
        }


class DateTimeLocalInput(forms.DateTimeInput):
    """The phone's own date-and-time picker."""

    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _datetime_field(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=DateTimeLocalInput, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (shown to the person concerned)"),
        max_length=255,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TeamCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Team code"),
        max_length=12,
        help_text=_("The code your team leader gave you, e.g. on a poster or in the group chat."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()


class TeamRequestForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, empty_label=_("— choose a team —"))
    message = forms.CharField(label=_("Message to the leader (optional)"), max_length=255, required=False)

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class ActivityForm(forms.Form):
    team = forms.ModelChoiceField(label=_("Organising team"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=128)
    activity_type = forms.ChoiceField(label=_("Type of activity"), choices=())
    channel = forms.ModelChoiceField(
        label=_("五进 channel"), queryset=None, empty_label=_("— choose a channel —")
    )
    area = forms.ModelChoiceField(
        label=_("Street or community where it takes place"), queryset=None, empty_label=None
    )
    location = forms.CharField(label=_("Place"), max_length=255, required=False)
    starts_at = _datetime_field(_("Starts at"))
    ends_at = _datetime_field(_("Ends at"))
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000)
    minimum_age = forms.IntegerField(label=_("Minimum age"), min_value=14, max_value=70, initial=14)
    description = forms.CharField(
        label=_("What volunteers will do"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_risky = forms.BooleanField(
        label=_("Risky activity (needs accident insurance before sign-ups open)"), required=False
    )
    insurer = forms.CharField(label=_("Insurer"), max_length=128, required=False)
    insurance_policy_number = forms.CharField(
        label=_("Accident insurance policy number"), max_length=64, required=False
    )

    def __init__(self, *args, teams, areas, channels, **kwargs) -> None:
        from volunteers.models import ActivityType

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["area"].queryset = areas
        self.fields["channel"].queryset = channels
        self.fields["activity_type"].choices = ActivityType.choices

    def clean(self) -> dict:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", ValidationError(_("The end must be after the start."), code="times"))
        return cleaned


class InsuranceForm(forms.Form):
    insurer = forms.CharField(label=_("Insurer"), max_length=128)
    policy_number = forms.CharField(label=_("Accident insurance policy number"), max_length=64)


class DeclareForm(forms.Form):
    activity = forms.ModelChoiceField(
        label=_("Activity you took part in"), queryset=None, empty_label=_("— choose —")
    )
    started_at = _datetime_field(_("Started at"))
    ended_at = _datetime_field(_("Ended at"))
    note = forms.CharField(label=_("What you did (optional)"), max_length=255, required=False)

    def __init__(self, *args, activities, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities

    def clean(self) -> dict:
        cleaned = super().clean()
        starts, ends = cleaned.get("started_at"), cleaned.get("ended_at")
        if starts and ends and ends <= starts:
            self.add_error("ended_at", ValidationError(_("The end must be after the start."), code="times"))
        return cleaned


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong"), max_length=255, widget=forms.Textarea(attrs={"rows": 3})
    )
    proposed_started_at = forms.DateTimeField(
        label=_("Correct start (optional)"),
        required=False,
        widget=DateTimeLocalInput,
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    proposed_ended_at = forms.DateTimeField(
        label=_("Correct end (optional)"),
        required=False,
        widget=DateTimeLocalInput,
        input_formats=["%Y-%m-%dT%H:%M"],
    )


class GroupHoursForm(forms.Form):
    volunteers = forms.ModelMultipleChoiceField(
        label=_("Volunteers who served"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    started_at = _datetime_field(_("Started at"))
    ended_at = _datetime_field(_("Ended at"))
    note = forms.CharField(label=_("Note (optional)"), max_length=255, required=False)

    def __init__(self, *args, volunteers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteers"].queryset = volunteers
        self.fields["volunteers"].label_from_instance = lambda v: f"{v.person.name}（{v.number or '—'}）"

    def clean(self) -> dict:
        cleaned = super().clean()
        starts, ends = cleaned.get("started_at"), cleaned.get("ended_at")
        if starts and ends and ends <= starts:
            self.add_error("ended_at", ValidationError(_("The end must be after the start."), code="times"))
        return cleaned


class NominateForm(forms.Form):
    volunteer = forms.ModelChoiceField(
        label=_("Volunteer"), queryset=None, empty_label=_("— choose a volunteer —")
    )
    citation = forms.CharField(
        label=_("Deeds (why this volunteer is a role model)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )

    def __init__(self, *args, volunteers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers
        self.fields["volunteer"].label_from_instance = lambda v: (
            f"{v.person.name}（{v.number}，{v.approved_hours:g}h）"
        )

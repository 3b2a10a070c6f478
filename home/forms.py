from django import forms
from django.utils.translation import gettext_lazy as _

from home.selfcheck import QUESTIONS
from portal.models import Area

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room"), max_length=20, required=False)
    exit_one = forms.CharField(label=_("First way out"), max_length=40, required=False)
    exit_two = forms.CharField(label=_("Second way out"), max_length=40, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and not (data.get("exit_one") and data.get("exit_two")):
            raise forms.ValidationError(_("Give every room two ways out."), code="two_exits")
        return data


# Four named rooms to start from and two blank rows for larger homes; eight rooms still fit one A4 page.
RoomFormSet = forms.formset_factory(RoomForm, extra=2, min_num=4, max_num=8, validate_max=True)


class EscapePlanForm(forms.Form):
    family_name = forms.CharField(label=_("Family or address (optional)"), max_length=40, required=False)
    meeting_point = forms.CharField(
        label=_("Meeting point outside"),
        max_length=60,
        help_text=_("e.g. the big tree by the gate of building 3"),
    )
    helpers = forms.CharField(
        label=_("Who helps whom"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=400,
        help_text=_("One line each, e.g. 爸爸 → 奶奶（行动不便）"),
    )
    phone_119 = forms.BooleanField(
        label=_("Everyone knows to call 119 once outside"), required=False, initial=True
    )


class SelfCheckForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in QUESTIONS:
            self.fields[question.code] = forms.ChoiceField(
                label=question.text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please answer this question.")},
            )


class HazardReportForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Street"),
        queryset=Area.objects.none(),
        empty_label=_("Choose your street"),
        error_messages={"required": _("Choose the street where the hazard is.")},
    )
    address_hint = forms.CharField(label=_("Where (optional)"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Anything else (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )
    phone = forms.CharField(
        label=_("Mobile for a call-back (optional)"),
        max_length=20,
        required=False,
        help_text=_("Only the street sees it, masked."),
    )
    hazards = forms.MultipleChoiceField(
        choices=[(question.code, question.hazard_label) for question in QUESTIONS if question.hazard],
        widget=forms.MultipleHiddenInput,
        error_messages={"required": _("There is no hazard to report.")},
    )

    def __init__(self, *args, district: Area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.filter(parent=district, level=Area.Level.STREET).order_by(
            "sort_order", "code"
        )

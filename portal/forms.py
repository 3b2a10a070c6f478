from django import forms
from django.utils.translation import gettext_lazy as _


class CertificateVerifyForm(forms.Form):
    n = forms.CharField(label=_("Certificate number"), max_length=32)
    c = forms.CharField(label=_("Verification code"), max_length=12)

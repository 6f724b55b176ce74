from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lists.forms import TrimmedCharField

from .models import ApiToken

EXPIRY_CHOICES = [
    ("", _("Never")),
    ("30", _("In 30 days")),
    ("90", _("In 90 days")),
    ("365", _("In a year")),
]


class TokenForm(forms.Form):
    name = TrimmedCharField(
        max_length=100, label=_("Name"), help_text=_("What uses it, e.g. “Kitchen tablet”.")
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, label=_("Access")
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label=_("Expires"))

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None

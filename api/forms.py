from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from lists.forms import TrimmedCharField

from .models import ApiToken

EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class TokenForm(forms.Form):
    name = TrimmedCharField(
        max_length=100, label="Name", help_text="What uses it, e.g. “Kitchen tablet”."
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ, label="Access"
    )
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")

    def expires_at(self):
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=int(days)) if days else None

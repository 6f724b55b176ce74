"""Forms of the shop pages: stores, aisles, the "shopping at" choice, shopper links."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from lists.forms import NOTE_MAX, TrimmedCharField
from lists.models import Category


class StoreForm(forms.Form):
    name = TrimmedCharField(max_length=120, label=_("Store name"))


class ShoppingAtForm(forms.Form):
    """ "" (no store), a store's id, or "vendor:<id>" for a vendor without a store yet."""

    store = forms.CharField(required=False, max_length=60)

    def clean_store(self) -> tuple[str, uuid.UUID | None]:
        value = self.cleaned_data["store"].strip()
        if not value:
            return ("none", None)
        kind, _sep, raw = value.rpartition(":")
        try:
            return (kind or "store", uuid.UUID(raw))
        except ValueError:
            raise forms.ValidationError(_("Choose a store from the list.")) from None


class AisleMoveForm(forms.Form):
    category = forms.ChoiceField(choices=Category.choices)
    direction = forms.ChoiceField(choices=[("up", _("Earlier")), ("down", _("Later"))])


SHOPPER_EXPIRY_CHOICES = [
    (3, _("3 hours")),
    (24, _("1 day")),
    (72, _("3 days")),
    (168, _("1 week")),
]


class ShopperLinkForm(forms.Form):
    name = TrimmedCharField(max_length=60, label=_("Who is shopping (e.g. “Sam next door”)"))
    hours = forms.TypedChoiceField(
        choices=SHOPPER_EXPIRY_CHOICES, coerce=int, initial=24, label=_("Link works for")
    )


class ShopperNoteForm(forms.Form):
    note = forms.CharField(max_length=NOTE_MAX, required=False, label=_("Note"))
    base_note = forms.CharField(max_length=NOTE_MAX, required=False)

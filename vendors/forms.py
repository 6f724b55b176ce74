from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import E164_VALIDATOR, Vendor, VendorAnswerLine


def normalize_phone(value: str) -> str:
    """ "+34 600 11-12-22", "0034 600111222" → "+34600111222" (E.164)."""
    number = re.sub(r"[\s().\-/]", "", value or "")
    if number.startswith("00"):
        number = "+" + number[2:]
    return number


class VendorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    whatsapp_number = forms.CharField(
        label=_("WhatsApp number"),
        max_length=30,
        help_text=_("International format with the country code, e.g. +34 600 111 222."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    description = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    language = forms.ChoiceField(
        label=_("Language"),
        # Left out (an older form): English for a new vendor, unchanged for an edit.
        required=False,
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The vendor's page and WhatsApp messages are in this language."),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the vendor a name."))
        return name

    def clean_language(self) -> str | None:
        return self.cleaned_data["language"] or None

    def clean_whatsapp_number(self) -> str:
        number = normalize_phone(self.cleaned_data["whatsapp_number"])
        E164_VALIDATOR(number)
        return number


class ShareForm(forms.Form):
    vendor = forms.ModelChoiceField(
        label=_("Vendor"), queryset=Vendor.objects.none(), empty_label=None
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, vendors: QuerySet[Vendor], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendors


class LocalDecimalField(forms.DecimalField):
    """A price typed either way: "1.50" or "1,50" (a decimal comma, as most of Europe types).

    A comma is a decimal separator only when it is the one separator there; "1,500.00"
    stays invalid rather than being read as 1.5.
    """

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value.count(",") == 1 and "." not in value:
                value = value.replace(",", ".")
        return super().to_python(value)


class AnswerLineForm(forms.Form):
    availability = forms.ChoiceField(
        label=_("Availability"),
        choices=VendorAnswerLine.Availability.choices,
        widget=forms.RadioSelect,
        initial=VendorAnswerLine.Availability.AVAILABLE,
    )
    substitute = forms.CharField(label=_("Substitute"), required=False, max_length=200)
    unit_price = LocalDecimalField(
        label=_("Price per unit"),
        required=False,
        min_value=Decimal("0"),
        max_digits=10,
        decimal_places=2,
        # Text, not type=number: a number input drops "1,50" in an English-language browser.
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "data-unit-price": ""}
        ),
    )

    def clean(self):
        data = super().clean()
        availability = data.get("availability")
        if (
            availability == VendorAnswerLine.Availability.SUBSTITUTE
            and not (data.get("substitute") or "").strip()
        ):
            self.add_error("substitute", _("Say what you would send instead."))
        if (
            availability != VendorAnswerLine.Availability.UNAVAILABLE
            and data.get("unit_price") is None
            and "unit_price" not in self.errors
        ):
            self.add_error("unit_price", _("Enter a price, or mark the item as not available."))
        return data


class AnswerForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the family"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    delivery_time = forms.DateTimeField(
        label=_("Delivery time"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

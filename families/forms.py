"""Forms validate input; services do the writing."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from . import pushguard
from .models import Family, Membership, NotificationPreference, User


class EmailLoginForm(AuthenticationForm):
    """Django's login form, labelled for email (matched case-insensitively by the manager)."""

    username = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That email and password don't match an account. "
            "Both are checked exactly, except the email's upper/lower case."
        ),
    }


class SignupForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        required=False,
        help_text=_("What your family sees. Optional."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not too common, not all numbers."),
    )
    password2 = forms.CharField(
        label=_("Confirm password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this email address already exists. Log in instead?")
            )
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords don't match."))
        elif password1:
            candidate = User(
                email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=100,
        required=False,
        help_text=_("Shown to your family instead of your email address."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        # Language names in their own language: whoever cannot read the current one
        # still finds theirs.
        choices=[("", _("Same as the browser")), *settings.LANGUAGES],
        help_text=_("Grocer's pages, emails and notifications to you."),
    )


class FamilyForm(forms.Form):
    name = forms.CharField(
        label=_("Family name"),
        max_length=Family._meta.get_field("name").max_length,
        help_text=_("For example “The Smiths” or “Flat 4B”."),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give your family a name."))
        return name


class InvitationForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Joins as"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_("We'll email the link there too. Leave empty to just copy the link."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


# An invite link's token: what `secrets.token_urlsafe(32)` produces.
_TOKEN = re.compile(r"(?:/invite/)?([A-Za-z0-9_-]{20,64})/?\s*$")


class InviteLinkForm(forms.Form):
    link = forms.CharField(
        label=_("Invite link"),
        max_length=500,
        help_text=_("Paste the link someone in your family sent you."),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )

    def clean_link(self) -> str:
        match = _TOKEN.search(self.cleaned_data["link"].strip())
        if not match:
            raise forms.ValidationError(
                _("That doesn't look like a Grocer invite link. It ends in /invite/ and a code.")
            )
        return match.group(1)


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = list(NotificationPreference.KINDS)


class PushSubscriptionForm(forms.Form):
    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.RegexField(regex=r"^[A-Za-z0-9_-]{40,200}={0,2}$", max_length=200)
    auth = forms.RegexField(regex=r"^[A-Za-z0-9_-]{8,100}={0,2}$", max_length=100)

    def clean_endpoint(self) -> str:
        """Only a browser push service on a public address (the worker will POST there)."""
        endpoint = self.cleaned_data["endpoint"]
        try:
            pushguard.check_endpoint(endpoint)
        except pushguard.EndpointRefusedError as error:
            raise forms.ValidationError(str(error), code="endpoint_refused") from None
        return endpoint

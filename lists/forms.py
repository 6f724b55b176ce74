from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from families.models import User

from .bulk_services import MAX_ENTRIES, parse_entries
from .models import Category, ListItem
from .quantity import normalize_spaces, parse_item_text

NAME_MAX = 200
QUANTITY_MAX = 50
NOTE_MAX = 1000


class TrimmedCharField(forms.CharField):
    """Strips and collapses whitespace before length checks, so "   " is empty."""

    def to_python(self, value: Any) -> str:
        return normalize_spaces(super().to_python(value) or "")


class ListForm(forms.Form):
    name = TrimmedCharField(max_length=200, label=_("Name"))
    description = forms.CharField(
        max_length=2000,
        required=False,
        label=_("Description"),
        widget=forms.Textarea({"rows": 3}),
    )


class ItemAddForm(forms.Form):
    # Rendered fresh with each empty form: a retried or doubled submit carries the same key.
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)
    text = TrimmedCharField(
        label=_("Add an item"),
        max_length=NAME_MAX + QUANTITY_MAX + 10,
        error_messages={"required": _("Type what you need, e.g. “2 kg tomatoes”.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text = cleaned.get("text")
        if text:
            parsed = parse_item_text(text)
            if len(parsed.name) > NAME_MAX:
                self.add_error(
                    "text", _("Names can be at most %(max)d characters.") % {"max": NAME_MAX}
                )
            elif len(parsed.quantity) > QUANTITY_MAX:
                self.add_error(
                    "text",
                    _("Quantities can be at most %(max)d characters.") % {"max": QUANTITY_MAX},
                )
            cleaned["name"], cleaned["quantity_text"] = parsed.name, parsed.quantity
        return cleaned


BASE_FIELDS = ("name", "quantity_text", "note", "category")


class ItemEditForm(forms.Form):
    """The edit form, carrying the values it was rendered with (`base_*`) for the merge."""

    name = TrimmedCharField(max_length=NAME_MAX, label=_("Name"))
    quantity_text = TrimmedCharField(max_length=QUANTITY_MAX, required=False, label=_("Quantity"))
    note = forms.CharField(
        max_length=NOTE_MAX, required=False, label=_("Note"), widget=forms.Textarea({"rows": 2})
    )
    category = forms.ChoiceField(choices=Category.choices, label=_("Aisle"))
    base_name = forms.CharField(required=False, widget=forms.HiddenInput)
    base_quantity_text = forms.CharField(required=False, widget=forms.HiddenInput)
    base_note = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)
    base_category = forms.CharField(required=False, widget=forms.HiddenInput)
    base_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    @classmethod
    def for_item(cls, item: ListItem, **kwargs: Any) -> ItemEditForm:
        values = {name: getattr(item, name) for name in BASE_FIELDS}
        initial = {
            **values,
            **{f"base_{name}": value for name, value in values.items()},
            "base_version": item.version,
        }
        return cls(initial=initial, **kwargs)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in BASE_FIELDS}

    def base(self) -> dict[str, Any]:
        return {
            **{name: self.cleaned_data[f"base_{name}"] for name in BASE_FIELDS},
            "version": self.cleaned_data["base_version"],
        }

    def rebase(self, current: dict[str, Any]) -> None:
        """After a conflict: keep what the user typed, but compare against the current values.

        Submitting again then means "yes, mine": the user has seen the other change.
        """
        data = self.data.copy()
        for name in BASE_FIELDS:
            data[f"base_{name}"] = current[name]
        data["base_version"] = current["version"]
        self.data = data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ListItem.Status.choices)


class QuantityStepForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "+"), ("down", "-")])
    # The version the buttons were rendered with; optional so an old page still works.
    version = forms.IntegerField(min_value=1, required=False)


class AssignForm(forms.Form):
    assigned_to = forms.ChoiceField(required=False, label=_("Assign to"))

    def __init__(self, *args: Any, members: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(member.pk): member for member in members}
        self.fields["assigned_to"].choices = [
            ("", "Nobody"),
            *((pk, member.name) for pk, member in self.members.items()),
        ]

    def assignee(self) -> User | None:
        return self.members.get(self.cleaned_data["assigned_to"] or "")


class UUIDListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[uuid.UUID]:
        try:
            return [uuid.UUID(str(v)) for v in value or []]
        except ValueError:
            raise forms.ValidationError(_("That is not an item of this list.")) from None


class RestoreForm(forms.Form):
    # Ids that are not deleted items of the list are ignored by the service.
    item = UUIDListField()


class JSONDictField(forms.Field):
    """A JSON object (already parsed); absent means empty."""

    def to_python(self, value: Any) -> dict[str, Any]:
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Must be an object.")
        return value


class SyncForm(forms.Form):
    """One queued change replayed by the offline client (see `lists.sync`)."""

    key = forms.UUIDField()
    kind = forms.ChoiceField(choices=[(k, k) for k in ("add", "status", "edit")])
    item_id = forms.UUIDField(required=False)
    fields = JSONDictField(required=False)
    base = JSONDictField(required=False)


class ShoppingForm(forms.Form):
    store = TrimmedCharField(max_length=100, required=False, label=_("Store (optional)"))


BULK_TEXT_MAX = 4000


class BulkAddForm(forms.Form):
    """Several items at once: one a line, or a comma list (see `lists.bulk_services`)."""

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)
    text = forms.CharField(
        label=_("Add several items"),
        max_length=BULK_TEXT_MAX,
        widget=forms.Textarea({"rows": 5}),
        error_messages={"required": _("Paste or type your items, one a line.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Beside the add box's form on the page: ids of its own.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        text = cleaned.get("text")
        if not text:
            return cleaned
        entries = parse_entries(text)
        if not entries:
            self.add_error("text", self.fields["text"].error_messages["required"])
        elif len(entries) > MAX_ENTRIES:
            self.add_error(
                "text", _("At most %(max)d items at once, please.") % {"max": MAX_ENTRIES}
            )
        for entry in entries:
            if len(entry.name) > NAME_MAX:
                self.add_error(
                    "text",
                    _("“%(name)s…” is too long: names can be at most %(max)d characters.")
                    % {"name": entry.name[:30], "max": NAME_MAX},
                )
            elif len(entry.quantity_text) > QUANTITY_MAX:
                self.add_error(
                    "text",
                    _("The quantity of “%(name)s” is too long (at most %(max)d characters).")
                    % {"name": entry.name[:30], "max": QUANTITY_MAX},
                )
        cleaned["entries"] = entries
        return cleaned


class ItemSetForm(BulkAddForm):
    """A saved set: its name and its items, one a line (checked like a bulk add)."""

    idempotency_key = None
    name = TrimmedCharField(max_length=100, label=_("Name"))
    field_order = ["name", "text"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "set_%s")
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Items, one a line")
        self.fields["text"].error_messages["required"] = _("A set needs at least one item.")

    @classmethod
    def for_set(cls, item_set: Any) -> ItemSetForm:
        lines = [f"{e.get('name', '')} {e.get('quantity', '')}".strip() for e in item_set.entries]
        return cls(initial={"name": item_set.name, "text": "\n".join(lines)})


class StapleForm(forms.Form):
    name = TrimmedCharField(max_length=NAME_MAX, label=_("Staple"))


class AddSetForm(forms.Form):
    item_set = forms.UUIDField(label=_("Saved set"))


class AddStaplesForm(forms.Form):
    # One staple's name (one tap), or none for all of them.
    name = TrimmedCharField(max_length=NAME_MAX, required=False)


class ListFromStaplesForm(forms.Form):
    name = TrimmedCharField(max_length=200, required=False, label=_("Name"))

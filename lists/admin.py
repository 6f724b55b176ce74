"""The admin writes lists and items through the same services as the pages.

So an admin edit records its event, moves the list's `last_seq` (the item cache follows
it), reaches open pages live, and deleting a list soft-deletes its items with it.
Fields no service writes (the family, a list's status, an item's list and position) are
read-only on existing rows.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from families.models import Membership
from grocer.admin import SoftDeleteAdmin

from . import item_services, services
from .categories import normalize_name
from .models import CategoryPreference, GroceryList, ItemSet, ListEvent, ListItem, StaplePin


def _take(obj, saved) -> None:
    """Make the admin's instance the saved row (the admin logs and redirects with it)."""
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


@admin.register(GroceryList)
class GroceryListAdmin(SoftDeleteAdmin):
    list_display = ("name", "family", "status", "last_seq", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "family__name")
    autocomplete_fields = ("family", "created_by")
    list_select_related = ("family",)
    readonly_fields = (*SoftDeleteAdmin.readonly_fields, "last_seq", "status")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "family", "created_by") if obj is not None else fields

    def save_model(self, request, obj: GroceryList, form, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            saved = services.list_create(
                family=data["family"],
                actor=request.user,
                name=data["name"],
                description=data.get("description", ""),
            )
        else:
            saved = services.list_update(
                grocery_list=GroceryList.all_objects.get(pk=obj.pk),
                actor=request.user,
                name=data["name"],
                description=data.get("description", ""),
            )
        _take(obj, saved)

    def soft_delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> int:
        lists = list(queryset.filter(deleted_at__isnull=True))
        for grocery_list in lists:
            services.list_delete(grocery_list=grocery_list, actor=request.user)
        return len(lists)

    def restore_queryset(self, request: HttpRequest, queryset: QuerySet) -> int:
        lists = list(queryset.filter(deleted_at__isnull=False))
        for grocery_list in lists:
            services.list_restore(grocery_list=grocery_list, actor=request.user)
        return len(lists)


class ListItemAdminForm(forms.ModelForm):
    class Meta:
        model = ListItem
        fields = [
            "grocery_list",
            "name",
            "quantity_text",
            "status",
            "assigned_to",
            "note",
            "category",
            "created_by",
        ]

    def clean(self):
        cleaned = super().clean()
        assignee = cleaned.get("assigned_to")
        grocery_list = cleaned.get("grocery_list") or getattr(self.instance, "grocery_list", None)
        if (
            assignee is not None
            and grocery_list is not None
            and not Membership.objects.filter(
                user=assignee, family_id=grocery_list.family_id
            ).exists()
        ):
            self.add_error("assigned_to", "Only a member of the list's family can be assigned.")
        return cleaned


@admin.register(ListItem)
class ListItemAdmin(SoftDeleteAdmin):
    form = ListItemAdminForm
    list_display = ("name", "quantity_text", "status", "category", "grocery_list", "assigned_to")
    list_filter = ("status", "category")
    search_fields = ("name", "note", "grocery_list__name")
    autocomplete_fields = ("grocery_list", "assigned_to", "created_by")
    list_select_related = ("grocery_list", "assigned_to")
    readonly_fields = (*SoftDeleteAdmin.readonly_fields, "version", "position")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "grocery_list", "created_by") if obj is not None else fields

    def save_model(self, request, obj: ListItem, form, change: bool) -> None:
        data, actor = form.cleaned_data, request.user
        if change:
            grocery_list = obj.grocery_list
            current = ListItem.all_objects.get(pk=obj.pk)
            changes = {
                name: data[name]
                for name in item_services.EDITABLE_ITEM_FIELDS
                if name in form.changed_data
            }
            if changes:
                # What the admin saw is what they change: the admin's edit wins.
                base = {name: getattr(current, name) for name in changes}
                item_services.item_update(
                    item_id=obj.pk,
                    grocery_list=grocery_list,
                    actor=actor,
                    changes=changes,
                    base=base,
                )
        else:
            grocery_list = data["grocery_list"]
            added = item_services.item_add(
                grocery_list=grocery_list,
                actor=actor,
                name=data["name"],
                quantity_text=data.get("quantity_text", ""),
                note=data.get("note", ""),
                category=data.get("category") or None,
            )
            current = added.item
        if data.get("status") and data["status"] != current.status:
            item_services.item_set_status(
                item_id=current.pk, grocery_list=grocery_list, actor=actor, status=data["status"]
            )
        if data.get("assigned_to") != current.assigned_to:
            item_services.item_assign(
                item_id=current.pk,
                grocery_list=grocery_list,
                actor=actor,
                assignee=data.get("assigned_to"),
            )
        _take(obj, ListItem.all_objects.get(pk=current.pk))

    def soft_delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> int:
        items = list(queryset.filter(deleted_at__isnull=True).select_related("grocery_list"))
        for item in items:
            item_services.item_delete(
                item_id=item.pk, grocery_list=item.grocery_list, actor=request.user
            )
        return len(items)

    def restore_queryset(self, request: HttpRequest, queryset: QuerySet) -> int:
        restored = 0
        items = list(queryset.filter(deleted_at__isnull=False).select_related("grocery_list"))
        for grocery_list in {item.grocery_list for item in items}:
            restored += len(
                item_services.item_restore(
                    item_ids=[item.pk for item in items if item.grocery_list == grocery_list],
                    grocery_list=grocery_list,
                    actor=request.user,
                )
            )
        return restored


@admin.register(ListEvent)
class ListEventAdmin(admin.ModelAdmin):
    """Read-only: the event log is append-only."""

    list_display = ("grocery_list", "seq", "type", "actor_label", "created_at")
    list_filter = ("type",)
    search_fields = ("grocery_list__name", "actor_label", "type")
    list_select_related = ("grocery_list",)
    autocomplete_fields = ("grocery_list", "actor")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CategoryPreference)
class CategoryPreferenceAdmin(admin.ModelAdmin):
    """A family's remembered aisles; editing one changes where that name lands next time."""

    list_display = ("name_key", "category", "family", "updated_at")
    list_filter = ("category",)
    search_fields = ("name_key", "family__name")
    list_select_related = ("family",)
    autocomplete_fields = ("family",)


@admin.register(ItemSet)
class ItemSetAdmin(SoftDeleteAdmin):
    """A family's saved sets; members edit them on the family's "Staples and sets" page."""

    list_display = ("name", "family", "created_at")
    search_fields = ("name", "family__name")
    list_select_related = ("family",)
    autocomplete_fields = ("family", "created_by")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "family", "created_by") if obj is not None else fields


@admin.register(StaplePin)
class StaplePinAdmin(SoftDeleteAdmin):
    """Names a family pinned as staples (offered on an empty list beside what it buys most)."""

    list_display = ("name", "family", "created_at")
    search_fields = ("name", "name_key", "family__name")
    list_select_related = ("family",)
    autocomplete_fields = ("family", "created_by")
    readonly_fields = (*SoftDeleteAdmin.readonly_fields, "name_key")

    def save_model(self, request, obj: StaplePin, form, change: bool) -> None:
        # The key is what pins are matched on: always derived from the name.
        obj.name_key = normalize_name(obj.name)[:200]
        super().save_model(request, obj, form, change)

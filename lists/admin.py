from django.contrib import admin

from grocer.admin import SoftDeleteAdmin

from .models import CategoryPreference, GroceryList, ListEvent, ListItem


@admin.register(GroceryList)
class GroceryListAdmin(SoftDeleteAdmin):
    list_display = ("name", "family", "status", "last_seq", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "family__name")
    autocomplete_fields = ("family", "created_by")
    list_select_related = ("family",)
    readonly_fields = (*SoftDeleteAdmin.readonly_fields, "last_seq")


@admin.register(ListItem)
class ListItemAdmin(SoftDeleteAdmin):
    list_display = ("name", "quantity_text", "status", "category", "grocery_list", "assigned_to")
    list_filter = ("status", "category")
    search_fields = ("name", "note", "grocery_list__name")
    autocomplete_fields = ("grocery_list", "assigned_to", "created_by")
    list_select_related = ("grocery_list", "assigned_to")
    readonly_fields = (*SoftDeleteAdmin.readonly_fields, "version")


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

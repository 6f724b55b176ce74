"""Admin building blocks shared by the apps: soft-deleted rows behind a filter."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "Deleted"), ("all", "All")]

    def choices(self, changelist):
        # "Live" is the default, so the filter's own "All" entry is replaced by ours.
        for value, label in self.lookup_choices:
            selected = self.value() == value or (self.value() is None and value == "no")
            yield {
                "selected": selected,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "no"
        if value == "no":
            return queryset.filter(deleted_at__isnull=True)
        if value == "yes":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.action(description="Soft-delete selected (undoable)")
def soft_delete_selected(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = modeladmin.soft_delete_queryset(request, queryset)
    modeladmin.message_user(request, f"Soft-deleted {count} row(s).", messages.SUCCESS)


@admin.action(description="Restore selected")
def restore_selected(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = modeladmin.restore_queryset(request, queryset)
    modeladmin.message_user(request, f"Restored {count} row(s).", messages.SUCCESS)


class SoftDeleteAdmin(admin.ModelAdmin):
    """Shows live rows by default; deleted ones through the "deleted" filter.

    Deleting and restoring (the delete page and both actions) go through
    `soft_delete_queryset` and `restore_queryset`: an app whose deletes are services
    (events, cascades, caches) overrides those two and the admin follows its rules.
    """

    actions = [soft_delete_selected, restore_selected]
    readonly_fields = ("id", "created_at", "updated_at", "deleted_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.model.all_objects.get_queryset()

    def get_list_filter(self, request):
        return (DeletedFilter, *super().get_list_filter(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        # The stock action hard-deletes through the collector; ours soft-deletes.
        actions.pop("delete_selected", None)
        return actions

    def soft_delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> int:
        count, _ = queryset.delete()
        return count

    def restore_queryset(self, request: HttpRequest, queryset: QuerySet) -> int:
        return queryset.restore()

    def delete_model(self, request, obj) -> None:
        self.soft_delete_queryset(request, self.model.all_objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        self.soft_delete_queryset(request, queryset)

from django.contrib import admin

from .models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "status", "size", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["key"]
    readonly_fields = [field.name for field in Photo._meta.fields]

    def has_add_permission(self, request) -> bool:
        # Photos arrive only through the checked upload flow.
        return False

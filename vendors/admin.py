from django.contrib import admin

from grocer.admin import SoftDeleteAdmin

from .models import Vendor, VendorShare


@admin.register(Vendor)
class VendorAdmin(SoftDeleteAdmin):
    list_display = ("name", "whatsapp_number", "family", "created_at")
    list_filter = (("family", admin.EmptyFieldListFilter),)
    search_fields = ("name", "whatsapp_number", "contact_info")
    autocomplete_fields = ("family",)
    list_select_related = ("family",)


@admin.register(VendorShare)
class VendorShareAdmin(SoftDeleteAdmin):
    list_display = (
        "grocery_list",
        "vendor",
        "status",
        "attempts",
        "whatsapp_message_id",
        "last_error",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("grocery_list__name", "vendor__name", "whatsapp_message_id", "last_error")
    autocomplete_fields = ("grocery_list", "vendor", "created_by")
    list_select_related = ("grocery_list", "vendor")
    readonly_fields = (*SoftDeleteAdmin.readonly_fields, "token")

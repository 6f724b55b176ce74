from django.contrib import admin, messages

from grocer.admin import SoftDeleteAdmin

from .models import (
    ShareDelivery,
    Vendor,
    VendorAnswer,
    VendorAnswerLine,
    VendorShare,
    WebhookReceipt,
)
from .services import share_revoke


@admin.register(Vendor)
class VendorAdmin(SoftDeleteAdmin):
    """Global vendors (no family) are the directory every family sees."""

    list_display = (
        "name",
        "whatsapp_number",
        "language",
        "family",
        "last_inbound_at",
        "created_at",
    )
    list_filter = (("family", admin.EmptyFieldListFilter), "language")
    search_fields = ("name", "whatsapp_number", "contact_info", "family__name")
    autocomplete_fields = ("family",)
    list_select_related = ("family",)
    readonly_fields = (*SoftDeleteAdmin.readonly_fields, "last_inbound_at")


class ShareDeliveryInline(admin.TabularInline):
    model = ShareDelivery
    extra = 0
    can_delete = False
    fields = (
        "number",
        "state",
        "kind",
        "whatsapp_message_id",
        "attempts",
        "error_code",
        "last_error",
        "send_started_at",
        "finished_at",
    )
    readonly_fields = fields


@admin.register(VendorShare)
class VendorShareAdmin(SoftDeleteAdmin):
    list_display = (
        "grocery_list",
        "vendor",
        "status",
        "attempts",
        "whatsapp_message_id",
        "failure_reason",
        "last_error",
        "created_at",
    )
    list_filter = ("status", ("revoked_at", admin.EmptyFieldListFilter), "vendor")
    search_fields = (
        "grocery_list__name",
        "grocery_list__family__name",
        "vendor__name",
        "whatsapp_message_id",
        "last_error",
        "failure_reason",
    )
    autocomplete_fields = ("grocery_list", "vendor", "created_by")
    list_select_related = ("grocery_list", "vendor")
    # Shares are sent from the list page and their status is the delivery's and the
    # webhook's to move (vendors.delivery, vendors.webhook): read-only here. Revoking
    # goes through `share_revoke`, which records the event on the list.
    readonly_fields = (
        *SoftDeleteAdmin.readonly_fields,
        "grocery_list",
        "vendor",
        "status",
        "failure_reason",
        "revoked_at",
        "token",
        "send_count",
        "status_changed_at",
        "whatsapp_message_id",
    )
    inlines = [ShareDeliveryInline]
    actions = [*SoftDeleteAdmin.actions, "revoke_selected"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Revoke the vendor links of the selected shares")
    def revoke_selected(self, request, queryset) -> None:
        shares = list(
            queryset.filter(revoked_at__isnull=True).select_related("grocery_list", "vendor")
        )
        for share in shares:
            share_revoke(share=share, actor=request.user)
        self.message_user(request, f"Revoked {len(shares)} link(s).", messages.SUCCESS)


@admin.register(ShareDelivery)
class ShareDeliveryAdmin(admin.ModelAdmin):
    """The idempotency records: read-only, so nobody re-arms a send by hand."""

    list_display = (
        "share",
        "number",
        "state",
        "kind",
        "attempts",
        "error_code",
        "whatsapp_message_id",
        "send_started_at",
    )
    list_filter = ("state", "kind", "error_code")
    search_fields = (
        "whatsapp_message_id",
        "last_error",
        "share__vendor__name",
        "share__grocery_list__name",
    )
    list_select_related = ("share__vendor", "share__grocery_list")
    readonly_fields = [f.name for f in ShareDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookReceipt)
class WebhookReceiptAdmin(admin.ModelAdmin):
    list_display = ("whatsapp_message_id", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("whatsapp_message_id",)
    readonly_fields = [f.name for f in WebhookReceipt._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class VendorAnswerLineInline(admin.TabularInline):
    model = VendorAnswerLine
    extra = 0
    can_delete = False
    raw_id_fields = ("list_item",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in VendorAnswerLine._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(VendorAnswer)
class VendorAnswerAdmin(admin.ModelAdmin):
    """The vendor's own words: read-only (an order may have been placed from them)."""

    list_display = ("share", "submitted_at", "delivery_time")
    search_fields = ("share__vendor__name", "share__grocery_list__name", "note")
    list_select_related = ("share__vendor", "share__grocery_list")
    raw_id_fields = ("share",)
    inlines = [VendorAnswerLineInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in VendorAnswer._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

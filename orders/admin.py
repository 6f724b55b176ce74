from django import forms
from django.contrib import admin

from grocer.admin import SoftDeleteAdmin
from grocer.money import format_money

from .models import Order, OrderLine
from .services import TRANSITIONS, order_set_status


class OrderLineInline(admin.TabularInline):
    """What was ordered is a record: read-only."""

    model = OrderLine
    extra = 0
    can_delete = False
    raw_id_fields = ("list_item",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in OrderLine._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OrderAdminForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["status"]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status != self.instance.status and status not in TRANSITIONS.get(
            self.instance.status, set()
        ):
            raise forms.ValidationError(
                f"An order that is {self.instance.get_status_display().lower()} cannot "
                f"become {Order.Status(status).label.lower()}."
            )
        return status


@admin.register(Order)
class OrderAdmin(SoftDeleteAdmin):
    """Orders are placed from a vendor's answer, not here; the status moves through
    `order_set_status` (delivered marks the items purchased and records the event)."""

    form = OrderAdminForm
    list_display = ("id", "family", "vendor", "status", "total_money", "created_at")
    list_filter = ("status", "currency", "vendor")
    search_fields = ("family__name", "vendor__name", "grocery_list__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("family", "grocery_list", "vendor", "share", "placed_by")
    list_select_related = ("family", "vendor")
    inlines = [OrderLineInline]

    @admin.display(description="Total", ordering="total")
    def total_money(self, order: Order) -> str:
        return format_money(order.total, order.currency)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Order._meta.fields if field.name != "status"]

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj: Order, form, change: bool) -> None:
        if "status" in form.changed_data:
            order_set_status(
                order=Order.all_objects.get(pk=obj.pk), status=obj.status, actor=request.user
            )


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    """Read-only, like the order's inline."""

    list_display = ("name", "quantity_text", "available", "unit_price", "order")
    list_filter = ("available",)
    search_fields = ("name", "substitute", "order__family__name")
    autocomplete_fields = ("order", "list_item")
    list_select_related = ("order",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in OrderLine._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

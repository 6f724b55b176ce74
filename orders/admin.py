from django.contrib import admin

from grocer.admin import SoftDeleteAdmin
from grocer.money import format_money

from .models import Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ("list_item",)
    readonly_fields = ("line_total",)


@admin.register(Order)
class OrderAdmin(SoftDeleteAdmin):
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


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("name", "quantity_text", "available", "unit_price", "order")
    list_filter = ("available",)
    search_fields = ("name", "substitute", "order__family__name")
    autocomplete_fields = ("order", "list_item")
    list_select_related = ("order",)

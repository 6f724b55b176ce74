from django.apps import AppConfig


class OrdersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"

    def ready(self) -> None:
        from vendors import hooks as vendor_hooks

        from .selectors import open_order_exists

        # An answer the family ordered from is final for the vendor (vendors.answers).
        vendor_hooks.answer_lock(open_order_exists)

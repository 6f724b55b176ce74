from django.apps import AppConfig


class VendorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vendors"

    def ready(self) -> None:
        from shop import hooks as shop_hooks

        from .selectors import vendors_for_family

        # A vendor the family can see is a store it can shop at (shop.hooks).
        shop_hooks.vendor_source(vendors_for_family)

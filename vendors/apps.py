from django.apps import AppConfig


class VendorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vendors"

    def ready(self) -> None:
        from grocer.metrics import register_scrape_reader
        from shop import hooks as shop_hooks

        from . import metrics
        from .selectors import vendors_for_family, vendors_list_for_family

        # A vendor the family can see is a store it can shop at (shop.hooks).
        shop_hooks.vendor_source(vendors_for_family, listing=vendors_list_for_family)
        # The breaker and the send backlog, read when Prometheus scrapes (grocer.metrics).
        register_scrape_reader("whatsapp_breaker", metrics.breaker_state)
        register_scrape_reader("whatsapp_deliveries", metrics.deliveries_pending)

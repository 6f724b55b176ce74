from django.apps import AppConfig


class VendorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vendors"

    def ready(self) -> None:
        from grocer.metrics import register_scrape_reader

        from . import metrics

        register_scrape_reader("whatsapp_breaker", metrics.breaker_state)
        register_scrape_reader("whatsapp_deliveries", metrics.deliveries_pending)

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The versioned JSON API: on top of every domain app, imported by none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API"

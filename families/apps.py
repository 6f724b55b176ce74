from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "families"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks

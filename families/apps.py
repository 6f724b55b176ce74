from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "families"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import checks  # noqa: F401 - registers the deploy checks
        from .auth import forget_user
        from .models import User

        def drop_cached_user(sender, instance, **kwargs) -> None:
            forget_user(instance.pk)

        # A password change, deactivation or deletion must reach the next request at once.
        post_save.connect(drop_cached_user, sender=User, weak=False, dispatch_uid="auth-user")
        post_delete.connect(drop_cached_user, sender=User, weak=False, dispatch_uid="auth-user")

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
        _connect_push_wants()


def _connect_push_wants() -> None:
    """Who may get a push (`families.push.family_push_wants`) is cached per family: any
    change to a subscription, a preference, a membership or a user drops it."""
    from django.db.models.signals import post_delete, post_save

    from .models import Membership, NotificationPreference, PushSubscription, User
    from .push import forget_push_wants

    def families_of(user_id) -> list:
        return list(Membership.objects.filter(user_id=user_id).values_list("family_id", flat=True))

    def subscription_changed(sender, instance, **kwargs) -> None:
        forget_push_wants(family_ids=families_of(instance.user_id))

    def preference_changed(sender, instance, **kwargs) -> None:
        family_ids = Membership.objects.filter(pk=instance.membership_id).values_list(
            "family_id", flat=True
        )
        forget_push_wants(family_ids=list(family_ids))

    def membership_changed(sender, instance, **kwargs) -> None:
        forget_push_wants(family_ids=[instance.family_id])

    def user_saved(sender, instance, update_fields=None, **kwargs) -> None:
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            return  # a login changes nothing about pushes
        forget_push_wants(family_ids=families_of(instance.pk))

    uid = "push-wants"
    receivers = (
        (subscription_changed, PushSubscription),
        (preference_changed, NotificationPreference),
        (membership_changed, Membership),
    )
    for signal in (post_save, post_delete):
        for receiver, sender in receivers:
            signal.connect(receiver, sender=sender, weak=False, dispatch_uid=uid)
    post_save.connect(user_saved, sender=User, weak=False, dispatch_uid=uid)

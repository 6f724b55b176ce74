from django.apps import AppConfig


class ListsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lists"

    def ready(self) -> None:
        from families import hooks as family_hooks
        from families.services import ON_MEMBERSHIP_REVOKED

        from . import notifications
        from .events import revoke_member_sockets

        # The family's feed pages show what others changed in its lists.
        family_hooks.feed_source(notifications)

        # A removed member's open list pages are closed at once (see lists.consumers).
        if revoke_member_sockets not in ON_MEMBERSHIP_REVOKED:
            ON_MEMBERSHIP_REVOKED.append(revoke_member_sockets)

        _connect_members_cache()


def _connect_members_cache() -> None:
    """Drop a family's cached members (`lists.cache`) when one joins, leaves or is renamed."""
    from django.db.models.signals import post_delete, post_save

    from families.models import Membership, User

    from .cache import forget_family_members

    def membership_changed(sender, instance, **kwargs) -> None:
        forget_family_members(family_id=instance.family_id)

    def user_saved(sender, instance, update_fields=None, **kwargs) -> None:
        if update_fields is not None and set(update_fields) <= {"last_login"}:
            return  # a login changes nothing the members list shows
        for family_id in Membership.objects.filter(user_id=instance.pk).values_list(
            "family_id", flat=True
        ):
            forget_family_members(family_id=family_id)

    for signal in (post_save, post_delete):
        signal.connect(
            membership_changed, sender=Membership, weak=False, dispatch_uid="lists-members-cache"
        )
    post_save.connect(user_saved, sender=User, weak=False, dispatch_uid="lists-members-cache")

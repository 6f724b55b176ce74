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

from django.apps import AppConfig


class ListsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lists"

    def ready(self) -> None:
        from families.services import ON_MEMBERSHIP_REVOKED

        from .events import revoke_member_sockets

        # A removed member's open list pages are closed at once (see lists.consumers).
        if revoke_member_sockets not in ON_MEMBERSHIP_REVOKED:
            ON_MEMBERSHIP_REVOKED.append(revoke_member_sockets)

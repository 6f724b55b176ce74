from django.urls import path

from grocer.ratelimit import by_user, ratelimit

from .views import families, invitations, notifications

# Invitation links are guessable only by brute force: limit trying them, and sending them.
accept_invitation = ratelimit("invitation-accept", "30/h")(invitations.accept)
create_invitation = ratelimit("invitation-create", "30/h", key=by_user)(invitations.create)

app_name = "families"

urlpatterns = [
    path("", families.home, name="home"),
    path("families/new/", families.create, name="create"),
    path("invite/", invitations.from_link, name="invitation_from_link"),
    path("invite/<str:token>/", accept_invitation, name="invitation"),
    path("f/<uuid:family_id>/switch/", families.switch, name="switch"),
    path("f/<uuid:family_id>/members/", families.members, name="members"),
    path(
        "f/<uuid:family_id>/members/<uuid:membership_id>/role/",
        families.member_role,
        name="member_role",
    ),
    path(
        "f/<uuid:family_id>/members/<uuid:membership_id>/remove/",
        families.member_remove,
        name="member_remove",
    ),
    path("f/<uuid:family_id>/leave/", families.leave, name="leave"),
    path("f/<uuid:family_id>/notifications/", notifications.feed, name="notifications"),
    path(
        "f/<uuid:family_id>/notifications/badge/",
        notifications.badge,
        name="notification_badge",
    ),
    path(
        "f/<uuid:family_id>/notifications/settings/",
        notifications.settings_page,
        name="notification_settings",
    ),
    path(
        "f/<uuid:family_id>/notifications/push/",
        notifications.push_subscription,
        name="push_subscription",
    ),
    path("f/<uuid:family_id>/invitations/", create_invitation, name="invitation_create"),
    path(
        "f/<uuid:family_id>/invitations/<uuid:invitation_id>/revoke/",
        invitations.revoke,
        name="invitation_revoke",
    ),
]

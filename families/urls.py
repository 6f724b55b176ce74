from django.urls import path

from .views import families, invitations, notifications

app_name = "families"

urlpatterns = [
    path("", families.home, name="home"),
    path("families/new/", families.create, name="create"),
    path("invite/", invitations.from_link, name="invitation_from_link"),
    path("invite/<str:token>/", invitations.accept, name="invitation"),
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
    path("f/<uuid:family_id>/invitations/", invitations.create, name="invitation_create"),
    path(
        "f/<uuid:family_id>/invitations/<uuid:invitation_id>/revoke/",
        invitations.revoke,
        name="invitation_revoke",
    ),
]

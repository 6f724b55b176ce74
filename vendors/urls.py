from django.urls import path

from . import public_views, views

app_name = "vendors"

urlpatterns = [
    path("f/<uuid:family_id>/vendors/", views.directory, name="directory"),
    path("f/<uuid:family_id>/vendors/<uuid:vendor_id>/edit/", views.vendor_edit, name="edit"),
    path("f/<uuid:family_id>/vendors/<uuid:vendor_id>/delete/", views.vendor_delete, name="delete"),
    path("lists/<uuid:list_id>/share/", views.share, name="share"),
    path("lists/<uuid:list_id>/shares/", views.share_statuses, name="share_statuses"),
    path(
        "lists/<uuid:list_id>/shares/<uuid:share_id>/revoke/",
        views.share_revoke,
        name="share_revoke",
    ),
    path("v/<str:token>/", public_views.vendor_page, name="vendor_page"),
    path("webhooks/whatsapp/", public_views.webhook, name="webhook"),
]

"""The shopper's pages, under /s/<token>/: no account, only this list's status and notes."""

from django.urls import path

from . import views

app_name = "shopper"

urlpatterns = [
    path("s/<str:token>/", views.shopper_page, name="page"),
    path(
        "s/<str:token>/items/<uuid:item_id>/status/",
        views.shopper_item_status,
        name="item_status",
    ),
    path(
        "s/<str:token>/items/<uuid:item_id>/note/",
        views.shopper_item_note,
        name="item_note",
    ),
]

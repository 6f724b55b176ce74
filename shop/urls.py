"""The family's side of the shop, under the list's URL: the "shopping at" selector,
stores and their aisles, and shopper links. (The shopper's own pages: `shopper_urls`.)"""

from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("lists/<uuid:list_id>/shopping-at/", views.shopping_at, name="shopping_at"),
    path("lists/<uuid:list_id>/stores/", views.store_add, name="store_add"),
    path(
        "lists/<uuid:list_id>/stores/<uuid:store_id>/aisles/",
        views.store_aisles,
        name="store_aisles",
    ),
    path("lists/<uuid:list_id>/shoppers/", views.shopper_links, name="shopper_links"),
    path(
        "lists/<uuid:list_id>/shoppers/<uuid:link_id>/revoke/",
        views.shopper_link_revoke,
        name="shopper_link_revoke",
    ),
]

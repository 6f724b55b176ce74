from django.urls import path

from . import bulk_views, export_views, item_views, menu_views, set_views, views

app_name = "lists"

urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("f/<uuid:family_id>/", views.dashboard, name="dashboard"),
    path("f/<uuid:family_id>/lists/new/", views.list_create, name="create"),
    path("f/<uuid:family_id>/sets/", set_views.sets, name="sets"),
    path("f/<uuid:family_id>/sets/<uuid:set_id>/", set_views.set_edit, name="set_edit"),
    path("f/<uuid:family_id>/sets/<uuid:set_id>/delete/", set_views.set_delete, name="set_delete"),
    path("f/<uuid:family_id>/sets/<uuid:set_id>/add/", set_views.set_add_to_list, name="set_add"),
    path("f/<uuid:family_id>/staples/add/", set_views.staples_add_to_list, name="staples_add"),
    path("f/<uuid:family_id>/staples/pin/", set_views.staple_pin, name="staple_pin"),
    path("f/<uuid:family_id>/staples/unpin/", set_views.staple_unpin, name="staple_unpin"),
    path(
        "f/<uuid:family_id>/lists/from-staples/",
        set_views.list_from_staples,
        name="create_from_staples",
    ),
    path("lists/<uuid:list_id>/", views.detail, name="detail"),
    path("lists/<uuid:list_id>/offers/", set_views.list_offers, name="offers"),
    path("lists/<uuid:list_id>/sets/add/", set_views.list_add_set, name="add_set"),
    path("lists/<uuid:list_id>/staples/add/", set_views.list_add_staples, name="add_staples"),
    path("lists/<uuid:list_id>/text/", export_views.list_text, name="text"),
    path("lists/<uuid:list_id>/print/", export_views.list_print, name="print"),
    path("lists/<uuid:list_id>/activity/", views.activity, name="activity"),
    path("lists/<uuid:list_id>/edit/", views.list_edit, name="edit"),
    path("lists/<uuid:list_id>/archive/", views.list_archive, name="archive"),
    path("lists/<uuid:list_id>/restore/", views.list_restore, name="restore"),
    path("lists/<uuid:list_id>/delete/", views.list_delete, name="delete"),
    path("lists/<uuid:list_id>/items/", item_views.item_add, name="item_add"),
    path("lists/<uuid:list_id>/items/bulk/", bulk_views.items_add_bulk_view, name="items_add_bulk"),
    path("lists/<uuid:list_id>/sync/", item_views.sync, name="sync"),
    path("lists/<uuid:list_id>/shopping/", views.shopping_start, name="shopping_start"),
    path("lists/<uuid:list_id>/items/suggest/", item_views.item_suggest, name="item_suggest"),
    path(
        "lists/<uuid:list_id>/items/clear-purchased/",
        item_views.items_clear_purchased,
        name="items_clear_purchased",
    ),
    path("lists/<uuid:list_id>/items/restore/", item_views.item_restore, name="item_restore"),
    path("lists/<uuid:list_id>/items/<uuid:item_id>/", item_views.item_row, name="item_row"),
    path("lists/<uuid:list_id>/items/<uuid:item_id>/edit/", item_views.item_edit, name="item_edit"),
    path("lists/<uuid:list_id>/items/<uuid:item_id>/menu/", menu_views.item_menu, name="item_menu"),
    path(
        "lists/<uuid:list_id>/items/<uuid:item_id>/status/",
        item_views.item_status,
        name="item_status",
    ),
    path(
        "lists/<uuid:list_id>/items/<uuid:item_id>/quantity/",
        item_views.item_quantity,
        name="item_quantity",
    ),
    path(
        "lists/<uuid:list_id>/items/<uuid:item_id>/assign/",
        item_views.item_assign,
        name="item_assign",
    ),
    path(
        "lists/<uuid:list_id>/items/<uuid:item_id>/delete/",
        item_views.item_delete,
        name="item_delete",
    ),
]

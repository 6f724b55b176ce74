from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("lists/<uuid:list_id>/shares/<uuid:share_id>/", views.share_detail, name="share_detail"),
    path("lists/<uuid:list_id>/shares/<uuid:share_id>/order/", views.place, name="place"),
    path("f/<uuid:family_id>/orders/", views.history, name="history"),
    path("f/<uuid:family_id>/orders/<uuid:order_id>/", views.detail, name="detail"),
    path("f/<uuid:family_id>/orders/<uuid:order_id>/status/", views.set_status, name="set_status"),
]

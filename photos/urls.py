from django.urls import path, register_converter

from . import views
from .converters import PhotoKindConverter

register_converter(PhotoKindConverter, "photokind")

app_name = "photos"

urlpatterns = [
    path("photos/direct-upload", views.direct_upload, name="direct"),
    path("photos/<photokind:kind>/<uuid:owner_id>/", views.photo_page, name="page"),
    path("photos/<photokind:kind>/<uuid:owner_id>/slot", views.slot, name="slot"),
    path("photos/<photokind:kind>/<uuid:owner_id>/complete", views.complete, name="complete"),
    path("photos/<photokind:kind>/<uuid:owner_id>/upload", views.upload, name="upload"),
    path("photos/<photokind:kind>/<uuid:owner_id>/remove", views.remove, name="remove"),
    path("photos/<photokind:kind>/<uuid:owner_id>/figure", views.figure, name="figure"),
    path(
        "photos/<photokind:kind>/<uuid:owner_id>/thumb",
        views.image,
        {"variant": "thumb"},
        name="thumb",
    ),
    path(
        "photos/<photokind:kind>/<uuid:owner_id>/full",
        views.image,
        {"variant": "full"},
        name="full",
    ),
]

from django.contrib import admin
from django.urls import include, path

from grocer import health, views

urlpatterns = [
    path("accounts/", include("families.account_urls")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("families.urls")),
    path("", include("lists.urls")),
    path("", include("lists.shopper_urls")),
    path("", include("vendors.urls")),
    path("", include("orders.urls")),
    path("", include("photos.urls")),
]

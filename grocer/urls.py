from django.contrib import admin
from django.urls import include, path

from grocer import health, i18n, views

urlpatterns = [
    path("accounts/", include("families.account_urls")),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("jsi18n/<str:lang>.js", i18n.javascript_catalog, name="javascript-catalog"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics_view, name="metrics"),
    # The admin's log-in form counts against the same limits as the site's.
    # (Included by name, like every app's URLs: the project package imports no app.)
    path("admin/", include("families.admin_urls")),
    path("admin/", admin.site.urls),
    path("", include("api.urls")),
    path("", include("families.urls")),
    path("", include("lists.urls")),
    path("", include("shop.urls")),
    path("", include("shop.shopper_urls")),
    path("", include("vendors.urls")),
    path("", include("orders.urls")),
    path("", include("photos.urls")),
]

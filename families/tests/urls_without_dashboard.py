"""The project's URLs minus the lists app, to test `/` before a dashboard exists."""

from django.urls import include, path

from grocer import i18n, views

urlpatterns = [
    path("accounts/", include("families.account_urls")),
    # Every page's <head> links the manifest.
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    # ... and loads the JavaScript catalog.
    path("jsi18n/<str:lang>.js", i18n.javascript_catalog, name="javascript-catalog"),
    path("", include("families.urls")),
]

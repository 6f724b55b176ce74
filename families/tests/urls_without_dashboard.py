"""The project's URLs minus the lists app, to test `/` before a dashboard exists."""

from django.urls import include, path

from grocer import views

urlpatterns = [
    path("accounts/", include("families.account_urls")),
    # Every page's <head> links the manifest.
    path("manifest.webmanifest", views.web_manifest, name="web_manifest"),
    path("", include("families.urls")),
]

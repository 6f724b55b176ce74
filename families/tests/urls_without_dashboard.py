"""The project's URLs minus the lists app, to test `/` before a dashboard exists."""

from django.urls import include, path

urlpatterns = [
    path("accounts/", include("families.account_urls")),
    path("", include("families.urls")),
]

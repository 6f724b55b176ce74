"""The admin's log-in form, rate limited like the site's (included ahead of admin.site.urls)."""

from django.contrib import admin
from django.urls import path

from .account_urls import login_limited

urlpatterns = [
    path("login/", login_limited(admin.site.login)),
]

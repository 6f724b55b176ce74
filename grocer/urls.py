from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from grocer import health

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("families.urls")),
    path("", include("lists.urls")),
    path("", include("vendors.urls")),
    path("", include("orders.urls")),
    path("", include("photos.urls")),
]

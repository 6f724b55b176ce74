from django.urls import path

from . import views

app_name = "families"

urlpatterns = [
    path("", views.home, name="home"),
]

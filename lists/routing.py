from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/lists/<uuid:list_id>/", consumers.ListConsumer.as_asgi(), name="list-socket"),
]

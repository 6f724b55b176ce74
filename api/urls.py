from __future__ import annotations

from django.urls import path, re_path

from . import views
from .api import api
from .problems import problem_response


def _unknown(request, rest=""):
    return problem_response(404, "There is nothing at this address.")


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", _unknown, name="api_unknown"),
    path("account/api-tokens/", views.tokens, name="api_tokens"),
    path("account/api-tokens/<uuid:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
]

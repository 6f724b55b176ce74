"""The account page where people create and revoke their API tokens."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from grocer import ratelimit

from . import services
from .forms import TokenForm
from .models import ApiToken


def _page(request: HttpRequest, form: TokenForm, *, secret: str = "", status: int = 200):
    tokens = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True).order_by(
        "-created_at"
    )
    return TemplateResponse(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "secret": secret},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@ratelimit.ratelimit("api-token-create", "20/h", key=ratelimit.by_user)
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    _token, secret = services.token_create(
        user=request.user,
        name=form.cleaned_data["name"],
        scope=form.cleaned_data["scope"],
        expires_at=form.expires_at(),
    )
    # Shown in this answer only: never stored, never redirected through the session.
    response = _page(request, TokenForm(), secret=secret, status=201)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: UUID) -> HttpResponse:
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404("No such token.")
    services.token_revoke(token=token)
    messages.success(
        request, gettext("The token “%(name)s” no longer works.") % {"name": token.name}
    )
    return redirect("api_tokens")

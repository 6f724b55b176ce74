"""The family a user is looking at, remembered in their session between requests."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

CURRENT_FAMILY_KEY = "current_family_id"
PENDING_INVITE_KEY = "pending_invite"


def remember_family(request: HttpRequest, family_id: UUID | str) -> None:
    if request.session.get(CURRENT_FAMILY_KEY) != str(family_id):
        request.session[CURRENT_FAMILY_KEY] = str(family_id)


def family_landing_url(family_id: UUID | str) -> str:
    """The family's dashboard, or its overview while the lists app has no dashboard."""
    try:
        return reverse("lists:dashboard", kwargs={"family_id": family_id})
    except NoReverseMatch:
        return reverse("families:members", kwargs={"family_id": family_id})

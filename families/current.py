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


def dashboard_url(family_id: UUID | str) -> str | None:
    """The lists app's dashboard of the family, if that app provides one."""
    try:
        return reverse("lists:dashboard", kwargs={"family_id": family_id})
    except NoReverseMatch:
        return None


def family_landing_url(family_id: UUID | str) -> str:
    """Where "go to this family" leads: its dashboard, else `/`, which then shows the
    (remembered) family's overview. Callers remember the family first."""
    return dashboard_url(family_id) or reverse("families:home")

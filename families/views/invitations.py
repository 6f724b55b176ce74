from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import family_member_required
from ..current import PENDING_INVITE_KEY, family_landing_url, remember_family
from ..forms import InvitationForm, InviteLinkForm
from ..models import Invitation, Membership
from ..selectors import invitation_by_token, memberships_for_user
from ..services import (
    InvitationUnavailableError,
    invitation_accept,
    invitation_create,
    invitation_revoke,
)

# 404 for a link that never existed (or whose family is gone), 410 for one that did.
UNAVAILABLE_STATUS = {"gone": 404, "revoked": 410, "accepted": 410, "expired": 410}


def _unavailable(request: HttpRequest, state: str, invitation: Invitation | None = None):
    request.session.pop(PENDING_INVITE_KEY, None)
    return TemplateResponse(
        request,
        "families/invitation_unavailable.html",
        {"state": state, "invitation": invitation},
        status=UNAVAILABLE_STATUS[state],
    )


@require_POST
@family_member_required(admin=True)
def create(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = InvitationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("families:members", family_id=membership.family_id)
    template = request.build_absolute_uri(
        reverse("families:invitation", kwargs={"token": "TOKEN"})
    ).replace("TOKEN", "{token}")
    try:
        invitation = invitation_create(
            family=membership.family,
            actor=request.user,
            role=form.cleaned_data["role"],
            email=form.cleaned_data["email"],
            accept_url_template=template,
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        if invitation.email:
            messages.success(
                request,
                _("Invite link created and sent to %(email)s.") % {"email": invitation.email},
            )
        else:
            messages.success(request, _("Invite link created. Copy it and send it to them."))
    return redirect(
        reverse("families:members", kwargs={"family_id": membership.family_id}) + "#invites"
    )


@require_POST
@family_member_required(admin=True)
def revoke(request: HttpRequest, membership: Membership, invitation_id) -> HttpResponse:
    invitation = Invitation.objects.filter(family=membership.family, pk=invitation_id).first()
    if invitation is None:
        raise Http404(_("No such invitation."))
    invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("Invite link revoked. It no longer works."))
    return redirect(
        reverse("families:members", kwargs={"family_id": membership.family_id}) + "#invites"
    )


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """An invite link. Anonymous visitors sign up or log in first; the token waits in the
    session (and in `next`) so that round trip comes back here."""
    invitation = invitation_by_token(token=token)
    if invitation is None:
        return _unavailable(request, "gone")
    user = request.user
    if user.is_authenticated:
        existing = next(
            (m for m in memberships_for_user(user=user) if m.family_id == invitation.family_id),
            None,
        )
        if existing is not None:
            request.session.pop(PENDING_INVITE_KEY, None)
            remember_family(request, existing.family_id)
            messages.info(
                request, _("You're already in %(family)s.") % {"family": existing.family.name}
            )
            return redirect(family_landing_url(existing.family_id))
    if invitation.state != "open":
        return _unavailable(request, invitation.state, invitation)
    if not user.is_authenticated:
        if request.method == "POST":
            return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        request.session[PENDING_INVITE_KEY] = token
        query = urlencode({"next": request.path})
        context = {
            "invitation": invitation,
            "signup_url": f"{reverse('signup')}?{query}",
            "login_url": f"{reverse('login')}?{query}",
        }
        return TemplateResponse(request, "families/invitation.html", context)
    if request.method != "POST":
        return TemplateResponse(request, "families/invitation.html", {"invitation": invitation})
    request.session.pop(PENDING_INVITE_KEY, None)
    try:
        membership = invitation_accept(token=token, user=user)
    except InvitationUnavailableError as exc:
        return _unavailable(request, exc.state, invitation)
    remember_family(request, membership.family_id)
    messages.success(request, _("Welcome to %(family)s!") % {"family": membership.family.name})
    return redirect(family_landing_url(membership.family_id))


@require_POST
@login_required
def from_link(request: HttpRequest) -> HttpResponse:
    """Onboarding's "paste an invite link" form."""
    form = InviteLinkForm(request.POST)
    if form.is_valid():
        return redirect("families:invitation", token=form.cleaned_data["link"])
    from ..forms import FamilyForm

    context = {"family_form": FamilyForm(), "link_form": form}
    return TemplateResponse(request, "families/onboarding.html", context, status=400)

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from ..access import family_member_required, membership_or_404
from ..current import (
    CURRENT_FAMILY_KEY,
    PENDING_INVITE_KEY,
    dashboard_url,
    family_landing_url,
    remember_family,
)
from ..forms import FamilyForm, InvitationForm, InviteLinkForm, RoleForm
from ..models import Membership
from ..selectors import (
    family_active_lists,
    family_members,
    family_open_invitations,
    membership_current,
    memberships_for_user,
)
from ..services import (
    family_create,
    membership_change_role,
    membership_leave,
    membership_remove,
)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The current family's dashboard; a pending invite first; onboarding without a family."""
    pending = request.session.pop(PENDING_INVITE_KEY, None)
    if pending:
        return redirect("families:invitation", token=pending)
    memberships = list(memberships_for_user(user=request.user))
    current = membership_current(
        memberships=memberships, family_id=request.session.get(CURRENT_FAMILY_KEY)
    )
    if current is None:
        context = {"family_form": FamilyForm(), "link_form": InviteLinkForm()}
        return TemplateResponse(request, "families/onboarding.html", context)
    remember_family(request, current.family_id)
    dashboard = dashboard_url(current.family_id)
    if dashboard:
        return redirect(dashboard)
    # Without the lists app's dashboard, `/` is the family's overview.
    context = {
        "membership": current,
        "family": current.family,
        "lists": family_active_lists(family=current.family),
    }
    return TemplateResponse(request, "families/overview.html", context)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = FamilyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            family = family_create(name=form.cleaned_data["name"], creator=request.user)
        except ValidationError as error:
            form.add_error("name", error.messages)
        else:
            remember_family(request, family.id)
            messages.success(
                request, f"“{family.name}” is ready. Invite your family from Members & invites."
            )
            # Home: the family's dashboard, where its lists and every place of it are.
            return redirect("families:home")
    return TemplateResponse(request, "families/create.html", {"form": form})


@require_POST
@login_required
def switch(request: HttpRequest, family_id) -> HttpResponse:
    membership = membership_or_404(user=request.user, family_id=family_id)
    remember_family(request, membership.family_id)
    return redirect(family_landing_url(membership.family_id))


def _members_context(request: HttpRequest, membership: Membership) -> dict:
    family = membership.family
    context = {
        "membership": membership,
        "family": family,
        "members": list(family_members(family=family)),
        "role_choices": Membership.Role.choices,
    }
    if membership.is_admin:
        invitations = family_open_invitations(family=family)
        context["invitations"] = [
            {
                "invitation": invitation,
                "url": request.build_absolute_uri(
                    reverse("families:invitation", kwargs={"token": invitation.token})
                ),
            }
            for invitation in invitations
        ]
        context["invitation_form"] = InvitationForm()
    return context


@family_member_required
def members(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The family overview: who is in it; admins also manage roles and invitations."""
    return TemplateResponse(request, "families/members.html", _members_context(request, membership))


def _target_or_404(membership: Membership, membership_id) -> Membership:
    target = (
        Membership.objects.select_related("user", "family")
        .filter(family_id=membership.family_id, pk=membership_id)
        .first()
    )
    if target is None:
        raise Http404(_("No such member."))
    return target


@require_POST
@family_member_required(admin=True)
def member_role(request: HttpRequest, membership: Membership, membership_id) -> HttpResponse:
    target = _target_or_404(membership, membership_id)
    form = RoleForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            target = membership_change_role(
                membership=target, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as exc:
            error = _error_text(exc)
        except PermissionDenied as exc:
            error = str(exc)
    else:
        error = _("Choose admin or member.")
    if request.htmx:
        if not error and target.user_id == request.user.pk:
            # Demoting yourself changes what the whole page may show.
            return HttpResponseClientRefresh()
        context = {**_members_context(request, membership), "m": target, "row_error": error}
        context["announce"] = error or _("%(name)s is now %(role)s.") % {
            "name": target.user.name,
            "role": target.get_role_display(),
        }
        return TemplateResponse(request, "families/members.html#member-row-response", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": target.user.name, "role": target.get_role_display()},
        )
    return redirect("families:members", family_id=membership.family_id)


@family_member_required(admin=True)
def member_remove(request: HttpRequest, membership: Membership, membership_id) -> HttpResponse:
    target = _target_or_404(membership, membership_id)
    if target.pk == membership.pk:
        return redirect("families:leave", family_id=membership.family_id)
    if request.method != "POST":
        context = {"membership": membership, "family": membership.family, "target": target}
        return TemplateResponse(request, "families/member_remove.html", context)
    error = ""
    try:
        membership_remove(membership=target, actor=request.user)
    except ValidationError as exc:
        error = _error_text(exc)
    done = _("%(name)s was removed from %(family)s.") % {
        "name": target.user.name,
        "family": target.family.name,
    }
    if request.htmx:
        context = {**_members_context(request, membership), "m": target, "row_error": error}
        context["announce"] = error or done
        partial = "member-row-response" if error else "announce-oob"
        return TemplateResponse(request, f"families/members.html#{partial}", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("families:members", family_id=membership.family_id)


@family_member_required
def leave(request: HttpRequest, membership: Membership) -> HttpResponse:
    if request.method != "POST":
        return TemplateResponse(
            request, "families/leave.html", {"membership": membership, "family": membership.family}
        )
    try:
        membership_leave(membership=membership)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("families:members", family_id=membership.family_id)
    request.session.pop(CURRENT_FAMILY_KEY, None)
    messages.success(request, _("You left %(family)s.") % {"family": membership.family.name})
    return redirect("families:home")

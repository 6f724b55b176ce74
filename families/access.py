"""Authorization by family membership: checked once per request, then passed down.

Another family's object is a 404, never a 403: ids from URLs are always looked up
together with the requesting user's memberships.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .current import remember_family
from .models import Membership, User


def membership_or_404(*, user: User, family_id: UUID | str) -> Membership:
    """The user's membership of a live family, or 404."""
    membership = (
        Membership.objects.select_related("family", "user")
        .filter(user=user, family_id=family_id, family__deleted_at__isnull=True)
        .first()
    )
    if membership is None:
        raise Http404("No such family.")
    return membership


def family_member_required(
    view: Callable[..., HttpResponse] | None = None, *, admin: bool = False
) -> Callable[..., HttpResponse]:
    """For views with a `family_id` URL kwarg: 404 unless a member (an admin, if asked).

    The view receives `membership` as a keyword argument instead of `family_id`.
    A member asking for an admin-only page gets 403: they can see the family exists.
    """

    def decorator(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(func)
        def wrapper(request: HttpRequest, *args, family_id, **kwargs) -> HttpResponse:
            membership = membership_or_404(user=request.user, family_id=family_id)
            if admin and not membership.is_admin:
                raise PermissionDenied(_("Only family admins can do that."))
            request.membership = membership
            if hasattr(request, "session"):
                # Opening a family's page makes it the one `/` and the switcher show.
                remember_family(request, membership.family_id)
            return func(request, *args, membership=membership, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator

"""The top bar's family switcher and account menu (one query, on pages that show them)."""

from __future__ import annotations

from django import template

from grocer.compiled import CompiledQuery

from ..current import CURRENT_FAMILY_KEY
from ..models import Membership, User
from ..selectors import membership_current, memberships_for_user

register = template.Library()

# Compiled once (grocer/compiled.py): the bar is on every page, and building and compiling
# the queryset cost more CPU than its statement.
_MEMBERSHIPS = CompiledQuery(
    Membership, lambda *, user_id: memberships_for_user(user=User(pk=user_id))
)


@register.inclusion_tag("families/_nav.html", takes_context=True)
def family_nav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"user": user, "memberships": [], "current": None}
    memberships = _MEMBERSHIPS.run(user_id=user.pk)
    # A family page's own membership wins over the remembered one.
    here = getattr(request, "membership", None)
    current = membership_current(
        memberships=memberships,
        family_id=here.family_id if here else request.session.get(CURRENT_FAMILY_KEY),
    )
    return {
        "user": user,
        "memberships": memberships,
        "current": current,
        "others": [m for m in memberships if m is not current],
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }

"""The top bar's family switcher and account menu (one query, on pages that show them)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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


def family_nav(context) -> dict:
    """What the bar shows: the user, their memberships, the current one and the others."""
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


# --- the bar, rendered once per what it shows ---------------------------------------------
#
# The bar is ~30 template nodes, two full reverse() calls and a dozen translations on every
# page (~1.5 ms of CPU, bench/README.md), for HTML that changes when a name does. It is
# kept in this process under exactly what `_nav.html` reads (and the language, URL prefix
# and compiled template), with a slot where the viewer's CSRF token goes.

_NAV = "families/_nav.html"
_KEPT_MAX = 512
_CSRF_SLOT = "csrf-slot-5b0f3c71"
_CSRF_INPUT = 'name="csrfmiddlewaretoken" value="{}"'
_kept: OrderedDict[tuple, str] = OrderedDict()
_kept_lock = threading.Lock()


def _shown(data: dict) -> tuple:
    """Everything `_nav.html` reads from `family_nav`'s answer (`test_family_nav.py`
    changes each in turn)."""
    user = data["user"]
    if user is None or not user.is_authenticated:
        return (False,)
    current = data["current"]
    return (
        True,
        user.name,
        user.email,
        (current.family_id, current.family.name) if current else None,
        tuple((m.family_id, m.family.name) for m in data["others"]),
    )


@register.simple_tag(takes_context=True, name="family_nav")
def family_nav_html(context) -> SafeString:
    """`families/_nav.html` with `family_nav`'s answer, as an inclusion tag renders it."""
    data = family_nav(context)
    nav = get_template(_NAV).template
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":  # noqa: S105 - `{% csrf_token %}` writes nothing
        return nav.render(context.new(data))
    # The compiled template itself: a template edit that reloads it (DEBUG) is a miss.
    key = (
        nav,
        context.autoescape,
        get_language(),
        get_script_prefix(),
        get_urlconf(),
        _shown(data),
    )
    html = _kept.get(key)
    if html is None:
        html = nav.render(context.new({**data, "csrf_token": _CSRF_SLOT}))
        with _kept_lock:
            _kept[key] = html
            while len(_kept) > _KEPT_MAX:
                _kept.popitem(last=False)
    # Escaped names hold no raw quote, so only the token's own attribute matches.
    return mark_safe(html.replace(_CSRF_INPUT.format(_CSRF_SLOT), _CSRF_INPUT.format(token or "")))

"""The URL inventory behind the authorization matrix and the bad-input tests.

Generated from the URL configuration, so a new URL is covered the day it is added: a URL
parameter the matrix cannot fill fails the tests until a value is provided in the `world`
fixture (grocer/tests/conftest.py), and a public URL must be listed in PUBLIC with the
reason it needs no membership.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from families.models import Invitation, Membership
from lists.models import GroceryList, ItemSet, ListItem, StaplePin
from orders.models import Order
from photos.models import Photo
from vendors.models import Vendor, VendorShare

# URL names reachable without membership, each tested on its own terms elsewhere.
PUBLIC = {
    "login": "the log-in page",
    "logout": "log-out (POST) works for anyone",
    "signup": "account creation",
    "password_reset": "asks for an email only",
    "password_reset_done": "static confirmation",
    "password_reset_confirm": "guarded by Django's reset token",
    "password_reset_complete": "static confirmation",
    "healthz": "probe",
    "readyz": "probe",
    "metrics": "guarded by the METRICS_TOKEN bearer token (grocer/tests/test_metrics.py)",
    "favicon": "a redirect to the static icon",
    "web_manifest": "the installable app's manifest, the same for everyone",
    "javascript-catalog": "the scripts' translations, the same for everyone",
    "families:invitation_from_link": "paste-a-link form",
    "families:invitation": "guarded by the invitation token",
    "vendors:vendor_page": "guarded by the share token",
    "vendors:webhook": "guarded by the WhatsApp signature",
    "photos:direct": "guarded by a signed upload token",
    "shopper:page": "guarded by the shopper-link token (shop/tests/test_shop.py)",
    "shopper:item_status": "guarded by the shopper-link token (shop/tests/test_shop.py)",
    "shopper:item_note": "guarded by the shopper-link token (shop/tests/test_shop.py)",
    "lists:service_worker": "static script",
    "sw": "static script",
}
# Pages for any logged-in user, whatever their families.
ANY_USER = {
    "families:home",
    "families:create",
    "profile",
    "password_change",
    "families:notifications",
    "api_tokens",
    "api_token_revoke",
}
# The JSON API answers tokens as well as sessions, with problem documents instead of
# log-in redirects: its own matrix (api/tests/test_authorization_matrix.py) covers it.
API_PREFIX = "api/"


def _routes(patterns=None, prefix="", namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # the Django admin has its own staff checks
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            if (prefix + str(pattern.pattern)).startswith("admin/"):
                continue  # the admin's log-in, wrapped in the log-in rate limits
            yield f"{namespace}{pattern.name}", prefix + str(pattern.pattern), pattern


ROUTES = sorted(
    (name, route, pattern)
    for name, route, pattern in _routes()
    if name not in PUBLIC
    and name.split(":")[-1] not in PUBLIC
    and not route.lstrip("^").startswith(API_PREFIX)
)


def fill_route(route: str, params: dict) -> str:
    import re

    def fill(match: re.Match) -> str:
        name = match.group(2) or match.group(1)
        if name not in params:
            pytest.fail(f"The authorization matrix cannot fill <{name}> in {route}: add it")
        return str(params[name])

    return "/" + re.sub(r"<(?:(?:\w+):)?(\w+)>|<(\w+)>", fill, route)


def family_data_snapshot() -> list:
    """Everything family data a forbidden request could change."""
    return [
        list(model.all_objects.order_by("pk").values())
        for model in (GroceryList, ListItem, ItemSet, StaplePin, Vendor, VendorShare, Order)
    ] + [list(model.objects.order_by("pk").values()) for model in (Membership, Invitation, Photo)]


def assert_every_page_escapes(client, params: dict, text: str) -> None:
    """No page a GET reaches shows `text` (stored markup) unescaped.

    The list as text (export) is plain text: it returns what was typed, never parsed as
    markup, as long as browsers are told not to sniff it.
    """
    for _name, route, _pattern in ROUTES:
        response = client.get(fill_route(route, params))
        if response.status_code != 200 or response.streaming:
            continue
        if response["Content-Type"].startswith("text/plain"):
            assert response["X-Content-Type-Options"] == "nosniff", route
            continue
        assert text not in response.content.decode(errors="replace"), route

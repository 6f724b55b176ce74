"""Fixtures for the API tests: a family with an admin and a member, tokens for each."""

from __future__ import annotations

import json

import pytest

from api.models import ApiToken
from api.services import token_create
from families.models import Membership
from families.tests.factories import MembershipFactory
from lists.tests.factories import GroceryListFactory, ListItemFactory
from orders.tests.factories import OrderFactory
from vendors.tests.factories import (
    VendorAnswerFactory,
    VendorAnswerLineFactory,
    VendorFactory,
    VendorShareFactory,
)


class Api:
    """A test client speaking JSON with a bearer token (or the session, when None)."""

    def __init__(self, client, secret: str | None = None) -> None:
        self.client = client
        self.secret = secret

    def _headers(self, headers: dict) -> dict:
        extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        if self.secret:
            extra["HTTP_AUTHORIZATION"] = f"Bearer {self.secret}"
        return extra

    def get(self, path: str, **headers):
        return self.client.get(path, **self._headers(headers))

    def delete(self, path: str, **headers):
        return self.client.delete(path, **self._headers(headers))

    def _send(self, method: str, path: str, body, headers: dict):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(
            path, data=data, content_type="application/json", **self._headers(headers)
        )

    def post(self, path: str, body=None, **headers):
        return self._send("post", path, {} if body is None else body, headers)

    def patch(self, path: str, body=None, **headers):
        return self._send("patch", path, {} if body is None else body, headers)


@pytest.fixture
def family_world(db):
    admin = MembershipFactory(role=Membership.Role.ADMIN)
    family = admin.family
    member = MembershipFactory(family=family, role=Membership.Role.MEMBER)
    outsider = MembershipFactory(role=Membership.Role.ADMIN)
    grocery_list = GroceryListFactory(family=family, created_by=admin.user)
    item = ListItemFactory(grocery_list=grocery_list, name="milk", quantity_text="1 l")
    vendor = VendorFactory(family=family)
    share = VendorShareFactory(grocery_list=grocery_list, vendor=vendor)
    answer = VendorAnswerFactory(share=share)
    VendorAnswerLineFactory(answer=answer, name="milk", quantity_text="1 l")
    order = OrderFactory(grocery_list=grocery_list, vendor=vendor)
    return {
        "admin": admin.user,
        "member": member.user,
        "outsider": outsider.user,
        "family": family,
        "list": grocery_list,
        "item": item,
        "vendor": vendor,
        "share": share,
        "order": order,
    }


def make_token(user, scope: str = ApiToken.Scope.WRITE, **kwargs) -> str:
    _token, secret = token_create(user=user, name="test", scope=scope, **kwargs)
    return secret


@pytest.fixture
def api(client, family_world):
    """The family member, with a write token."""
    return Api(client, make_token(family_world["member"]))

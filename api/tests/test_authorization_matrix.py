"""Every operation of /api/v1 x anonymous / another family's token / read-only token /
member / admin.

The operations come from the published schema, so a new route is covered the day it is
added: one whose path parameter or body is unknown here fails until it is added below.
"""

from __future__ import annotations

import re

import pytest

from api.api import api as ninja_api
from api.models import ApiToken
from grocer.tests.matrix import family_data_snapshot

from .conftest import Api, make_token

pytestmark = pytest.mark.django_db

OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in ninja_api.get_openapi_schema(path_prefix="/api/v1")["paths"].items()
    for method in item
)
# A valid body for each write, so that a refusal is about who asks, not what they sent.
BODIES = {
    ("POST", "/api/v1/families/{family_id}/lists"): {"name": "New list"},
    ("PATCH", "/api/v1/lists/{list_id}"): {"name": "Renamed"},
    ("DELETE", "/api/v1/lists/{list_id}"): None,
    ("POST", "/api/v1/lists/{list_id}/archive"): {},
    ("POST", "/api/v1/lists/{list_id}/restore"): {},
    ("POST", "/api/v1/lists/{list_id}/items"): {"text": "2 eggs"},
    ("POST", "/api/v1/lists/{list_id}/shares"): {"vendor": "{vendor_id}", "message": "Hi"},
    ("PATCH", "/api/v1/items/{item_id}"): {"note": "oat"},
    ("DELETE", "/api/v1/items/{item_id}"): None,
    ("POST", "/api/v1/items/{item_id}/restore"): {},
    ("POST", "/api/v1/items/{item_id}/status"): {"status": "purchased"},
    ("POST", "/api/v1/items/{item_id}/assign"): {"user_id": None},
    ("POST", "/api/v1/shares/{share_id}/order"): {"answer_version": ""},
    ("PATCH", "/api/v1/orders/{order_id}"): {"status": "confirmed"},
}
# Readable by anyone: the published schema and its documentation page.
PUBLIC = {("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs")}
# Not about any family: each user sees only their own.
OWN = {("GET", "/api/v1/me"), ("GET", "/api/v1/families")}
SAFE = {"GET", "HEAD", "OPTIONS"}


def _params(world) -> dict[str, str]:
    return {
        "family_id": str(world["family"].id),
        "list_id": str(world["list"].id),
        "item_id": str(world["item"].id),
        "share_id": str(world["share"].id),
        "order_id": str(world["order"].id),
        "vendor_id": str(world["vendor"].id),
    }


def _fill(template: str, params: dict[str, str]) -> str:
    def fill(match: re.Match) -> str:
        if match.group(1) not in params:
            pytest.fail(f"The API matrix cannot fill {{{match.group(1)}}} in {template}: add it")
        return params[match.group(1)]

    return re.sub(r"\{(\w+)\}", fill, template)


def _call(api: Api, method: str, path: str, world):
    params = _params(world)
    url = _fill(path, params)
    headers = {"if_match": "*", "idempotency_key": f"matrix-{method}-{path}"}
    if method in SAFE:
        return api.get(url)
    if (method, path) not in BODIES:
        pytest.fail(f"The API matrix has no body for {method} {path}: add one to BODIES")
    body = BODIES[(method, path)]
    if method == "DELETE":
        return api.delete(url)
    body = {k: _fill(v, params) if isinstance(v, str) else v for k, v in body.items()}
    return api.post(url, body, **headers) if method == "POST" else api.patch(url, body, **headers)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_anonymous_gets_401(client, family_world, method, path):
    before = family_data_snapshot()
    response = _call(Api(client), method, path, family_world)
    if (method, path) in PUBLIC:
        assert response.status_code == 200
        return
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert family_data_snapshot() == before


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_another_familys_token_gets_404_and_changes_nothing(client, family_world, method, path):
    before = family_data_snapshot()
    outsider = Api(client, make_token(family_world["outsider"]))
    response = _call(outsider, method, path, family_world)
    if (method, path) in PUBLIC | OWN:
        assert response.status_code == 200
        assert str(family_world["family"].id) not in response.content.decode() or (
            (method, path) in PUBLIC
        )
        return
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert family_data_snapshot() == before


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_a_read_only_token_reads_and_writes_nothing(client, family_world, method, path):
    before = family_data_snapshot()
    reader = Api(client, make_token(family_world["member"], scope=ApiToken.Scope.READ))
    response = _call(reader, method, path, family_world)
    if method in SAFE:
        assert response.status_code == 200, response.content
        return
    assert response.status_code == 403, response.content
    assert family_data_snapshot() == before


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@pytest.mark.parametrize("who", ["member", "admin"])
def test_members_and_admins_with_a_write_token_succeed(client, family_world, method, path, who):
    writer = Api(client, make_token(family_world[who]))
    response = _call(writer, method, path, family_world)
    assert response.status_code in (200, 201, 204), response.content

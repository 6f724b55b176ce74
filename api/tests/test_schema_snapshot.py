"""The published schema is a contract: any change to it must be made on purpose.

After an intended change, regenerate the snapshot and review its diff:

    UPDATE_API_SNAPSHOT=1 .venv/bin/python -m pytest api/tests/test_schema_snapshot.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SNAPSHOT = Path(__file__).with_name("openapi_v1.json")

pytestmark = pytest.mark.django_db


def test_the_schema_matches_the_snapshot(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    published = response.json()
    if os.environ.get("UPDATE_API_SNAPSHOT"):
        SNAPSHOT.write_text(json.dumps(published, indent=2, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert published == expected, (
        "The published API schema changed. If that is intended (and compatible for "
        "clients of /api/v1), run UPDATE_API_SNAPSHOT=1 pytest api/tests/test_schema_snapshot.py "
        "and commit the new snapshot."
    )


def test_every_path_of_the_contract_is_published():
    expected = json.loads(SNAPSHOT.read_text())
    paths = {(method.upper(), path) for path, item in expected["paths"].items() for method in item}
    contract = {
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/families"),
        ("GET", "/api/v1/families/{family_id}"),
        ("GET", "/api/v1/families/{family_id}/members"),
        ("GET", "/api/v1/families/{family_id}/lists"),
        ("POST", "/api/v1/families/{family_id}/lists"),
        ("GET", "/api/v1/lists/{list_id}"),
        ("PATCH", "/api/v1/lists/{list_id}"),
        ("DELETE", "/api/v1/lists/{list_id}"),
        ("POST", "/api/v1/lists/{list_id}/restore"),
        ("POST", "/api/v1/lists/{list_id}/archive"),
        ("GET", "/api/v1/lists/{list_id}/items"),
        ("POST", "/api/v1/lists/{list_id}/items"),
        ("GET", "/api/v1/items/{item_id}"),
        ("PATCH", "/api/v1/items/{item_id}"),
        ("DELETE", "/api/v1/items/{item_id}"),
        ("POST", "/api/v1/items/{item_id}/restore"),
        ("POST", "/api/v1/items/{item_id}/status"),
        ("POST", "/api/v1/items/{item_id}/assign"),
        ("GET", "/api/v1/lists/{list_id}/events"),
        ("GET", "/api/v1/families/{family_id}/vendors"),
        ("POST", "/api/v1/lists/{list_id}/shares"),
        ("GET", "/api/v1/shares/{share_id}"),
        ("POST", "/api/v1/shares/{share_id}/order"),
        ("GET", "/api/v1/families/{family_id}/orders"),
        ("PATCH", "/api/v1/orders/{order_id}"),
    }
    assert contract <= paths, contract - paths
    assert expected["openapi"].startswith("3.1")

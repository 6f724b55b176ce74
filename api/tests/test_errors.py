"""Every error under /api/v1 is an RFC 9457 problem document; hostile input is never a 500."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from lists.models import ListItem

from .conftest import Api, make_token

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/api/v1/problems/")
    assert body["title"] and body["detail"]
    return body


def test_401_without_or_with_a_bad_token(client, family_world):
    url = f"/api/v1/lists/{family_world['list'].id}"
    assert_problem(client.get(url), 401)
    response = Api(client, "grocer_not-a-real-token").get(url)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert_problem(Api(client, "grocer_x").post(url + "/archive"), 401)


def test_expired_and_revoked_tokens_are_refused(client, family_world):
    from datetime import timedelta

    from django.utils import timezone

    from api.models import ApiToken
    from api.services import token_revoke

    secret = make_token(family_world["member"])
    token = ApiToken.objects.get()
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(Api(client, secret).get("/api/v1/me"), 401)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    assert Api(client, secret).get("/api/v1/me").status_code == 200
    token_revoke(token=token)
    assert_problem(Api(client, secret).get("/api/v1/me"), 401)


def test_404_for_unknown_paths_and_another_familys_objects(client, family_world):
    outsider = Api(client, make_token(family_world["outsider"]))
    assert_problem(outsider.get("/api/v1/no/such/thing"), 404)
    assert_problem(outsider.get("/api/v2/lists"), 404)
    assert_problem(outsider.get(f"/api/v1/lists/{family_world['list'].id}"), 404)
    assert_problem(outsider.get(f"/api/v1/lists/{family_world['list'].id}/not-a-uuid"), 404)


def test_405_keeps_allow(api, family_world):
    response = api.client.put(
        f"/api/v1/lists/{family_world['list'].id}/items",
        HTTP_AUTHORIZATION=f"Bearer {api.secret}",
    )
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_415_for_a_body_that_is_not_json(api, family_world):
    url = f"/api/v1/lists/{family_world['list'].id}/items"
    response = api.client.post(
        url,
        data="text=milk",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {api.secret}",
    )
    assert_problem(response, 415)


def test_413_for_an_oversized_body(api, family_world):
    body = '{"text": "' + "x" * 70_000 + '"}'
    assert_problem(api.post(f"/api/v1/lists/{family_world['list'].id}/items", body), 413)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        (b"\xff\xfe{}", 400),
        ("[" * 100_00 + "]" * 100_00, 400),
        ('{"a":' * 40 + "1" + "}" * 40, 400),
        ('{"text": "mi\\u0000lk"}', 400),
        ('{"text": "mi\\ud800lk"}', 400),
        ('{"name": "\\udfffbread"}', 400),
        ('{"mi\\u0000lk": 1}', 400),
        ("[1, 2]", 422),
        ('"just a string"', 422),
        ("null", 422),
        ('{"text": 5}', 422),
    ],
)
def test_hostile_bodies_get_problem_documents_and_change_nothing(api, family_world, body, status):
    before = ListItem.all_objects.count()
    response = api.post(f"/api/v1/lists/{family_world['list'].id}/items", body)
    assert_problem(response, status)
    assert ListItem.all_objects.count() == before


@pytest.mark.parametrize(
    "query",
    ["cursor=%00", "cursor=bm9wZQ", "cursor=" + "W10", "limit=0", "limit=9999", "limit=x"],
)
def test_bad_query_parameters(api, family_world, query):
    response = api.get(f"/api/v1/lists/{family_world['list'].id}/items?{query}")
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == PROBLEM


def test_422_lists_the_bad_fields(api, family_world):
    response = api.post(f"/api/v1/families/{family_world['family'].id}/lists", {"name": ""})
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "name"


def test_503_when_the_database_is_gone(api, family_world, monkeypatch):
    from api import access

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(access, "list_for", down)
    response = api.get(f"/api/v1/lists/{family_world['list'].id}")
    assert_problem(response, 503)
    assert response["Retry-After"] == "5"


def test_500_is_a_problem_document_too(api, family_world, monkeypatch):
    from api import access

    def broken(**kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(access, "list_for", broken)
    body = assert_problem(api.get(f"/api/v1/lists/{family_world['list'].id}"), 500)
    assert "bug" not in body["detail"]

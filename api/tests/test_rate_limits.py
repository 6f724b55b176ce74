"""Per-token limits: RateLimit-* on every answer, 429 + Retry-After beyond; page limits too."""

from __future__ import annotations

import pytest

from .conftest import Api, make_token

pytestmark = pytest.mark.django_db


def test_every_answer_reports_the_budget_and_429_after_it(api, family_world, settings):
    settings.API_RATE_LIMIT = "3/m"
    url = f"/api/v1/lists/{family_world['list'].id}"
    remaining = [api.get(url)["RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    limited = api.get(url)
    assert limited.status_code == 429
    assert limited["Content-Type"] == "application/problem+json"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited["RateLimit-Limit"] == "3" and limited["RateLimit-Remaining"] == "0"
    assert int(limited["RateLimit-Reset"]) == int(limited["Retry-After"])


def test_limits_are_per_token(client, family_world, settings):
    settings.API_RATE_LIMIT = "1/m"
    first = Api(client, make_token(family_world["member"]))
    second = Api(client, make_token(family_world["member"]))
    assert first.get("/api/v1/me").status_code == 200
    assert first.get("/api/v1/me").status_code == 429
    assert second.get("/api/v1/me").status_code == 200


def test_api_writes_count_against_the_list_pages_write_limit(api, family_world, monkeypatch):
    from lists import access

    monkeypatch.setattr(access, "LIST_WRITE_RATE", "2/m")
    url = f"/api/v1/lists/{family_world['list'].id}/items"
    assert api.post(url, {"text": "a"}).status_code == 201
    assert api.post(url, {"text": "b"}).status_code == 201
    limited = api.post(url, {"text": "c"})
    assert limited.status_code == 429 and "Retry-After" in limited
    # The same budget as the page: the page is now limited for this user too.
    api.client.force_login(family_world["member"])
    page = api.client.post(f"/lists/{family_world['list'].id}/items/", {"text": "d"})
    assert page.status_code == 429

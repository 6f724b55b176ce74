"""Personal access tokens: the settings page, the command, hashing, scopes, last use."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from api.models import ApiToken
from lists.models import ListItem

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_the_page_creates_a_token_shown_once_and_stored_hashed(client, family_world):
    client.force_login(family_world["member"])
    response = client.post(
        "/account/api-tokens/", {"name": "Kitchen tablet", "scope": "write", "expires_in": "30"}
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    assert secret.startswith("grocer_") and secret in response.content.decode()
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    assert (
        token.scope == "write" and token.expires_at is not None and token.name == "Kitchen tablet"
    )
    listing = client.get("/account/api-tokens/").content.decode()
    assert "Kitchen tablet" in listing and secret not in listing
    assert token.prefix in listing


def test_the_page_refuses_a_bad_form(client, family_world):
    client.force_login(family_world["member"])
    response = client.post("/account/api-tokens/", {"name": "  ", "scope": "admin"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_stops_the_token_at_once(client, family_world):
    client.force_login(family_world["member"])
    secret = client.post("/account/api-tokens/", {"name": "x", "scope": "read"}).context["secret"]
    token = ApiToken.objects.get()
    from django.test import Client

    assert Api(Client(), secret).get("/api/v1/me").status_code == 200
    assert client.post(f"/account/api-tokens/{token.id}/revoke/").status_code == 302
    assert Api(Client(), secret).get("/api/v1/me").status_code == 401
    assert "x (" not in client.get("/account/api-tokens/").content.decode()


def test_nobody_revokes_someone_elses_token(client, family_world):
    from api.services import token_create

    token, _ = token_create(user=family_world["admin"], name="theirs")
    client.force_login(family_world["member"])
    assert client.post(f"/account/api-tokens/{token.id}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_needs_a_login(client):
    response = client.get("/account/api-tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_command_prints_only_the_token(family_world, client):
    out = StringIO()
    call_command(
        "create_api_token",
        family_world["member"].email.upper(),
        "--name",
        "HA",
        "--scope",
        "write",
        stdout=out,
    )
    secret = out.getvalue().strip()
    assert "\n" not in secret and secret.startswith("grocer_")
    api = Api(client, secret)
    added = api.post(f"/api/v1/lists/{family_world['list'].id}/items", {"text": "eggs"})
    assert added.status_code == 201
    assert ListItem.objects.get(name="eggs").created_by == family_world["member"]
    assert ApiToken.objects.get().name == "HA"


def test_the_command_defaults_to_read_and_refuses_unknown_users(family_world):
    out = StringIO()
    call_command("create_api_token", family_world["member"].email, "--name", "ro", stdout=out)
    assert ApiToken.objects.get().scope == "read"
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody@example.com", "--name", "x", stdout=StringIO())


def test_last_used_is_recorded_without_a_write_per_request(
    client, family_world, django_assert_num_queries
):
    from api.services import token_create

    token, secret = token_create(user=family_world["member"], name="x")
    api = Api(client, secret)
    api.get("/api/v1/me")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    api.get("/api/v1/me")
    token.refresh_from_db()
    assert token.last_used_at == first_use  # within the minute: not written again

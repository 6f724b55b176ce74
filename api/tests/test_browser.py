"""The API docs and the token page in a real Chromium at 360 px, under the strict CSP."""

from __future__ import annotations

import pytest

from api.models import ApiToken
from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import assert_accessible, wait_until_true

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def _csp_refusals(page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def test_the_docs_render_from_our_own_static_files_under_the_csp(live_daphne, page):
    refused = _csp_refusals(page)
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_daphne.url) else None
        ),
    )
    response = page.goto(f"{live_daphne.url}/api/v1/docs")
    assert response.status == 200
    # Swagger UI fetched the schema and drew an entry per operation.
    wait_until_true(page, "document.querySelectorAll('.opblock').length >= 26", timeout=30)
    assert page.get_by_text("/api/v1/lists/{list_id}/items").first.is_visible()
    assert refused == []
    assert [url for url in outside if not url.startswith("data:")] == []


def test_a_person_creates_copies_and_revokes_a_token(live_daphne, page):
    membership = MembershipFactory()
    refused = _csp_refusals(page)
    page.goto(f"{live_daphne.url}/accounts/login/")
    page.get_by_label("Email").fill(membership.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_daphne.url}/account/api-tokens/")
    assert_accessible(page)
    page.get_by_label("Name").fill("Kitchen tablet")
    page.get_by_label("Access").select_option("write")
    page.get_by_label("Expires").select_option("90")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_role("textbox", name="Token").input_value()
    assert secret.startswith("grocer_")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    token = ApiToken.objects.get(user=membership.user)
    assert token.scope == "write" and token.expires_at is not None
    page.get_by_role("button", name="Revoke Kitchen tablet").click()
    page.wait_for_load_state()
    assert "no longer works" in page.content()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert refused == []

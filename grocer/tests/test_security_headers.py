import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from families.tests.factories import UserFactory
from grocer.testing import assert_accessible

pytestmark = pytest.mark.django_db

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


def _policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def test_pages_carry_a_strict_content_security_policy(client):
    policy = _policy(client.get(reverse("login")))
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_other_security_headers(client):
    response = client.get(reverse("login"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_json_endpoints_carry_the_headers_too(client):
    assert "Content-Security-Policy" in client.get(reverse("healthz"))


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JSON_DATA_SCRIPT = re.compile(r'type="application/(?:ld\+)?json"', re.IGNORECASE)


@pytest.mark.parametrize(
    "template",
    sorted(TEMPLATES_DIR.rglob("*.html")),
    ids=lambda p: str(p.relative_to(TEMPLATES_DIR)),
)
def test_templates_have_no_inline_script(template):
    """The CSP would block them in the browser; catch them before a user does."""
    text = template.read_text()
    inline = [tag for tag in INLINE_SCRIPT.findall(text) if not JSON_DATA_SCRIPT.search(tag)]
    assert inline == [], f"inline <script> in {template.name}: move it to static/js/"
    assert INLINE_HANDLER.findall(text) == [], f"inline event handler in {template.name}"


@pytest.mark.browser
@pytest.mark.postgres
def test_no_csp_violations_in_the_browser(live_daphne, page):
    """Pages (ours and the admin's) load with no resource refused by the policy."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    admin = UserFactory(is_staff=True, is_superuser=True)
    page.goto(f"{live_daphne.url}/accounts/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_daphne.url}/")
    assert_accessible(page)
    for path in ("/admin/", "/admin/lists/listitem/", "/admin/lists/listitem/add/"):
        page.goto(f"{live_daphne.url}{path}")
        page.wait_for_load_state("networkidle")
    assert refused == []

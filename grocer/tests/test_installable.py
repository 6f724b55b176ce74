"""Grocer installs like an app: Chromium finds nothing missing in its manifest and icons."""

import json

import pytest
from django.test import Client

from families.tests.factories import MembershipFactory
from grocer.testing import CHROMIUM, CHROMIUM_ARGS
from lists.tests.factories import GroceryListFactory
from lists.tests.test_browser import log_in

pytestmark = pytest.mark.django_db


def test_the_manifest_describes_a_standalone_app_with_the_icons_browsers_ask_for():
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert Client().get(icon["src"]).status_code in (200, 301, 302), icon


def test_every_page_links_the_manifest_and_both_theme_colours():
    html = Client().get("/accounts/login/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'name="theme-color" media="(prefers-color-scheme: light)"' in html
    assert 'name="theme-color" media="(prefers-color-scheme: dark)"' in html
    assert 'rel="apple-touch-icon"' in html


@pytest.mark.browser
@pytest.mark.postgres
def test_chromium_finds_the_app_installable(live_daphne, browser, tmp_path):
    """Chromium's own installability check (what its install prompt and Lighthouse use).

    A persistent profile: Chromium never offers to install from an incognito context,
    which is what a plain Playwright context is.
    """
    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740},
    )
    try:
        page = context.new_page()
        log_in(page, live_daphne, membership.user)
        page.goto(f"{live_daphne.url}/lists/{grocery_list.pk}/")
        cdp = context.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith("/manifest.webmanifest")
        assert not manifest["errors"], manifest["errors"]
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        context.close()


def test_notification_settings_tell_iphone_users_to_install_first(settings):
    """Safari delivers web push only to a site added to the Home Screen."""
    from django.urls import reverse

    settings.WEBPUSH_VAPID_PUBLIC_KEY = "public"
    settings.WEBPUSH_VAPID_PRIVATE_KEY = "private"
    membership = MembershipFactory()
    client = Client()
    client.force_login(membership.user)
    page = client.get(
        reverse("families:notification_settings", kwargs={"family_id": membership.family_id})
    )
    assert page.status_code == 200
    assert b"Add to Home Screen" in page.content

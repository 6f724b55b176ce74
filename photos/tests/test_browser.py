"""Uploading through the widget in a real browser, with local storage (the embedded
default): the S3 side of the same flow is covered over HTTP against moto."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import assert_accessible
from lists.tests.factories import ListItemFactory
from photos.models import Photo

from .conftest import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


@pytest.fixture
def photo_server(transactional_db, request, monkeypatch, tmp_path):
    """live_daphne, storing its files in this test's own directory."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "media"))
    return request.getfixturevalue("live_daphne")


def _log_in(page, server, email):
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    # Log-in lands on the current family's page (or onboarding at "/").
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_upload_a_photo_through_the_widget_with_progress(photo_server, page, tmp_path):
    member = MembershipFactory()
    item = ListItemFactory(grocery_list__family=member.family, name="oat milk")
    photo_file = tmp_path / "milk.jpg"
    photo_file.write_bytes(image_bytes(size=(1600, 1200)))
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_bytes(b"shopping notes, not a photo")

    _log_in(page, photo_server, member.user.email)
    page.goto(f"{photo_server.url}/photos/item/{item.pk}/")
    expect(page.get_by_role("img", name="No photo yet")).to_be_visible()
    assert_accessible(page)

    # Hold the upload in flight so the progress can be seen without any timing guess.
    held = []
    page.route(re.compile(r".*/photos/direct-upload$"), lambda route: held.append(route))
    page.get_by_label("Choose a photo").set_input_files(str(photo_file))
    page.get_by_role("button", name="Upload photo").click()
    # Playwright's string predicates need eval, which the CSP forbids: use locators.
    expect(page.get_by_role("progressbar", name="Upload progress")).to_be_visible()
    expect(page.locator(".photo-progress-label")).to_have_text(re.compile(r"^Uploading… \d+%$"))
    expect(page.get_by_role("button", name="Upload photo")).to_be_disabled()
    while not held:  # the request reaches the route handler while we wait
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute(re.compile(r".*/photos/direct-upload$"))

    expect(page.locator(".photo-progress-label")).to_have_text("Photo saved.")
    expect(page.get_by_role("progressbar")).to_be_hidden()
    thumbnail = page.get_by_role("img", name="Photo of oat milk")
    expect(thumbnail).to_be_visible()
    # Really loaded (a broken image has no natural width).
    expect(thumbnail).to_have_js_property("naturalWidth", 256)
    photo = Photo.objects.get(item=item)
    assert photo.status == Photo.Status.READY
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The list page shows it in the item's row.
    page.goto(f"{photo_server.url}/lists/{item.grocery_list_id}/")
    row_photo = page.locator(f"#item-{item.pk}").get_by_role("img", name="Photo of oat milk")
    expect(row_photo).to_have_js_property("naturalWidth", 256)
    assert_accessible(page)
    page.goto(f"{photo_server.url}/photos/item/{item.pk}/")

    # A file that is not a photo gets a clear message and the old photo stays.
    page.get_by_label("Choose a photo").set_input_files(str(not_a_photo))
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator(".photo-progress-label")).to_have_text(
        "That file is not a photo we can use. Choose a JPEG, PNG, WebP or GIF image."
    )
    assert Photo.objects.get(item=item).key == photo.key
    expect(page.get_by_role("img", name="Photo of oat milk")).to_be_visible()

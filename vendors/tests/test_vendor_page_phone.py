"""The vendor's page, as a shopkeeper meets it on their phone without an account."""

from decimal import Decimal

import pytest

from grocer.testing import wait_until_true
from lists.tests.factories import ListItemFactory
from vendors.models import VendorAnswerLine
from vendors.tests.factories import VendorShareFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def share():
    share = VendorShareFactory(
        grocery_list__family__name="The Testers",
        vendor__name="Corner Greengrocer",
        status="read",
        message="Please deliver before 6",
    )
    share.eggs = ListItemFactory(grocery_list=share.grocery_list, name="eggs", quantity_text="12")
    return share


def test_the_vendor_page_shows_the_message_and_no_account_links(client, share):
    html = client.get(f"/v/{share.token}/").content.decode()
    assert "Please deliver before 6" in html
    assert "Price per unit (EUR)" in html
    assert ">Log in<" not in html and ">Sign up<" not in html


def test_a_price_with_a_decimal_comma_is_accepted(client, share):
    prefix = f"item-{share.eggs.pk}"
    response = client.post(
        f"/v/{share.token}/",
        {f"{prefix}-availability": "available", f"{prefix}-unit_price": "1,50", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert VendorAnswerLine.objects.get(list_item=share.eggs).unit_price == Decimal("1.50")
    # A thousands separator is not guessed at.
    response = client.post(
        f"/v/{share.token}/",
        {f"{prefix}-availability": "available", f"{prefix}-unit_price": "1,500.00"},
    )
    assert response.status_code == 400


@pytest.mark.browser
@pytest.mark.postgres
def test_the_line_total_follows_the_price_as_the_vendor_types(live_daphne, page, share):
    ListItemFactory(grocery_list=share.grocery_list, name="flour", quantity_text="1 kg")
    page.goto(f"{live_daphne.url}/v/{share.token}/")
    eggs = page.locator('fieldset[data-item="eggs"]')
    eggs.get_by_label("Price per unit (EUR)").fill("4,00")
    total = eggs.locator(".line-total")
    wait_until_true(page, "!document.querySelector('[data-item=\"eggs\"] .line-total').hidden")
    assert total.inner_text() == "Line total: 48.00 EUR"  # 12 eggs at 4.00 each
    flour = page.locator('fieldset[data-item="flour"]')
    flour.get_by_label("Price per unit (EUR)").fill("2.10")
    assert flour.locator(".line-total").inner_text() == "Line total: 2.10 EUR"  # priced once
    assert page.get_by_role("link", name="Log in").count() == 0

"""Every page at phone width (360 px), light and dark: nothing scrolls sideways, the top bar
stays one row, and axe-core finds no serious or critical violation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from families.models import Membership
from families.tests.factories import PASSWORD, InvitationFactory, MembershipFactory
from grocer.testing import assert_accessible
from lists.tests.factories import ListItemFactory
from vendors.tests.factories import VendorShareFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

LONG_FAMILY = "The Johnson-Smith Family"


def _family_world():
    """A family with a long name, a 30-item list, a store, a shopper link and a delivered order."""
    from orders import services as orders
    from shop.models import ShopperLink, Store
    from vendors import answers

    admin = MembershipFactory(
        family__name=LONG_FAMILY, user__display_name="Ana", role=Membership.Role.ADMIN
    )
    MembershipFactory(family=admin.family, user__display_name="Ben")
    share = VendorShareFactory(
        grocery_list__family=admin.family,
        grocery_list__name="Weekly shop",
        vendor__family=admin.family,
        vendor__name="Corner Greengrocer",
        status="read",
        message="Before 6 please",
    )
    items = [
        ListItemFactory(
            grocery_list=share.grocery_list,
            name=f"item {n}" if n else "Supercalifragilisticexpialidocious wholemeal bread",
            quantity_text="2" if n % 2 else "1 kg",
            position=n,
        )
        for n in range(30)
    ]
    answers.answer_submit(
        share=share,
        lines=[
            answers.AnswerLineInput(
                list_item=item,
                availability="substitute" if n == 0 else "available",
                substitute="Organic stone-ground wholemeal spelt loaf" if n == 0 else "",
                unit_price=Decimal("1.50"),
            )
            for n, item in enumerate(items[:4])
        ],
        note="We deliver after 6pm",
        delivery_time=timezone.now() + timedelta(days=1),
    )
    order = orders.order_place(share=share, actor=admin.user)
    store = Store.objects.create(family=admin.family, name="Lidl")
    ShopperLink.objects.create(
        grocery_list=share.grocery_list, family_id=share.grocery_list.family_id, name="Sam"
    )
    return {"admin": admin, "share": share, "order": order, "store": store, "item": items[1]}


def _member_pages(w):
    fid, lid = w["admin"].family_id, w["share"].grocery_list_id
    return [
        f"/f/{fid}/",
        f"/lists/{lid}/",
        f"/lists/{lid}/edit/",
        f"/lists/{lid}/items/{w['item'].id}/edit/",
        f"/lists/{lid}/share/",
        f"/lists/{lid}/shares/{w['share'].id}/",
        f"/lists/{lid}/shoppers/",
        f"/lists/{lid}/stores/{w['store'].id}/aisles/",
        f"/photos/item/{w['item'].id}/",
        f"/f/{fid}/members/",
        f"/f/{fid}/vendors/",
        f"/f/{fid}/orders/",
        f"/f/{fid}/orders/{w['order'].id}/",
        f"/f/{fid}/notifications/",
        f"/f/{fid}/notifications/settings/",
        "/families/new/",
        "/accounts/profile/",
        "/accounts/password/",
    ]


def _check(page, url):
    response = page.goto(url)
    assert response.status in (200, 404), url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{url} scrolls sideways: {width} px wide"
    assert_accessible(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_fits_a_phone_and_passes_axe(live_daphne, browser, scheme):
    w = _family_world()
    share = w["share"]
    share.refresh_from_db()
    base = live_daphne.url
    context = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme=scheme)
    context.set_default_timeout(10_000)
    try:
        anonymous = context.new_page()
        for path in [
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            f"/invite/{InvitationFactory(family=w['admin'].family).token}/",
            f"/v/{share.token}/",
        ]:
            _check(anonymous, base + path)
        anonymous.close()

        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Email").fill(w["admin"].user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/f/**")
        for path in _member_pages(w):
            _check(page, base + path)
            # The top bar is one row and shows the whole family name.
            bar = page.locator(".topbar").bounding_box()
            assert bar["height"] <= 64, f"top bar wraps on {path}: {bar['height']} px"
            label = page.locator(".family-switcher .nav-label")
            assert label.inner_text() == LONG_FAMILY
            assert label.evaluate(
                "el => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight"
            ), f"family name cut on {path}"
    finally:
        context.close()


def test_on_a_phone_the_first_item_shows_without_scrolling(live_daphne, page):
    w = _family_world()
    base = live_daphne.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(w["admin"].user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/f/**")
    page.goto(f"{base}/lists/{w['share'].grocery_list_id}/")
    assert page.locator("#shopping-at-store").count() == 1  # the store card is on the page
    first = page.locator(".item").first.bounding_box()
    assert first["y"] + first["height"] <= 740, f"first item ends at {first['y'] + first['height']}"

"""Translated pages in a real Chromium at 360 px: axe-clean in light and dark, and the
scripts find their catalog under the strict CSP (no inline script)."""

from __future__ import annotations

import pytest

from families.tests.factories import PASSWORD, MembershipFactory
from grocer.testing import assert_accessible
from lists.tests.factories import GroceryListFactory, ListItemFactory
from vendors.tests.factories import VendorShareFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def _audit(page):
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.emulate_media(color_scheme="light")


def test_a_spanish_family_member_signs_in_and_uses_the_list_page(live_daphne, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-ES")
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security" in message.text else None
        ),
    )
    membership = MembershipFactory(user__language="es")
    grocery_list = GroceryListFactory(family=membership.family, name="Semana")
    ListItemFactory(grocery_list=grocery_list, name="leche")
    url = live_daphne.url

    page.goto(f"{url}/accounts/login/")
    assert page.get_by_role("heading", name="Hola de nuevo").is_visible()
    _audit(page)
    page.get_by_label("Correo electrónico").fill(membership.user.email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()

    page.goto(f"{url}/lists/{grocery_list.id}/")
    assert page.get_by_label("Añadir un artículo").is_visible()
    # The catalog is a script file: loaded, and gettext() answers in Spanish.
    page.wait_for_function("typeof window.gettext === 'function'")
    assert page.evaluate("gettext('Copied')") == "Copiado"
    _audit(page)
    page.get_by_label("Añadir un artículo").fill("media docena de huevos")
    page.get_by_role("button", name="Añadir", exact=True).click()
    page.locator("#list-feedback", has_text="Se añadió huevos (media docena)").wait_for()
    assert blocked == []
    context.close()


def test_the_vendor_page_in_portuguese_is_accessible(live_daphne, page):
    item = ListItemFactory(name="tomates", quantity_text="2")
    share = VendorShareFactory(grocery_list=item.grocery_list, vendor__language="pt-br")
    page.goto(f"{live_daphne.url}/v/{share.token}/")
    assert page.get_by_role("button", name="Enviar resposta").is_visible()
    page.wait_for_function("typeof window.gettext === 'function'")
    _audit(page)
    # The line total (2 times 1,25) uses the page's decimal comma.
    page.get_by_label("Preço por unidade (EUR)").fill("1,25")
    page.locator("output").first.wait_for()
    assert page.locator("output").first.text_content() == "2,50"

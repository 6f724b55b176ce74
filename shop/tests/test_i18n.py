"""The shopper page (no account) follows the browser's language."""

from __future__ import annotations

import pytest

from lists.tests.factories import ListItemFactory
from shop.models import ShopperLink

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "lang", "intro", "check"),
    [
        ("es-MX,es;q=0.9", "es", "Comprando como Sam.", "Poner leche en el carrito"),
        ("pt-BR", "pt-br", "Comprando como Sam.", "Pôr leche no carrinho"),
        ("en-US", "en", "Shopping as Sam.", "Put leche in the cart"),
    ],
)
def test_the_shopper_page_is_in_the_browsers_language(client, accept, lang, intro, check):
    item = ListItemFactory(name="leche")
    link = ShopperLink.objects.create(
        grocery_list=item.grocery_list, family_id=item.grocery_list.family_id, name="Sam"
    )
    html = client.get(f"/s/{link.token}/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f'<html lang="{lang}">' in html
    assert intro in html
    assert check in html
    # Its script finds the catalog: the page loads it like every other page.
    assert f'<script src="/jsi18n/{lang}.js" defer></script>' in html

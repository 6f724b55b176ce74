"""A vendor reads their page and their WhatsApp message in their own language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from families.tests.factories import MembershipFactory
from lists.tests.factories import ListItemFactory
from vendors import services
from vendors.models import ShareDelivery, Vendor
from vendors.tasks import deliver_share
from vendors.tests.factories import ShareDeliveryFactory, VendorFactory, VendorShareFactory

pytestmark = pytest.mark.django_db


def _share(language: str, **kwargs):
    item = ListItemFactory(
        grocery_list__family__name="Los García",
        grocery_list__name="Semana",
        name="tomates",
        quantity_text="2 kg",
    )
    return VendorShareFactory(
        grocery_list=item.grocery_list,
        vendor__name="Frutas Ana",
        vendor__language=language,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [
        ("es", "Los García quiere hacer un pedido", "Enviar respuesta"),
        ("pt-br", "Los García gostaria de fazer um pedido", "Enviar resposta"),
        ("en", "Los García would like to order", "Send answer"),
    ],
)
def test_the_vendor_page_is_in_the_vendors_language_whatever_the_browser(
    client, language, heading, button
):
    share = _share(language)
    response = client.get(f"/v/{share.token}/", HTTP_ACCEPT_LANGUAGE="de-DE,en;q=0.5")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert f'<button type="submit">{button}</button>' in html
    assert response["Content-Language"] == language
    assert f'<script src="/jsi18n/{language}.js" defer></script>' in html


def test_the_vendor_page_stays_in_the_vendors_language_for_a_family_member(client):
    share = _share("es")
    client.force_login(MembershipFactory(user__language="pt-br").user)
    html = client.get(f"/v/{share.token}/").content.decode()
    assert "<h1>Los García quiere hacer un pedido</h1>" in html


def test_the_vendor_page_errors_are_in_the_vendors_language(client):
    share = _share("pt-br", revoked_at=timezone.now())
    response = client.get(f"/v/{share.token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    assert "<h1>Este link foi retirado</h1>" in response.content.decode()


def test_a_vendor_answer_with_a_decimal_comma_and_its_errors_in_spanish(client):
    share = _share("es")
    item = share.grocery_list.items.get()
    prefix = f"item-{item.pk}"
    response = client.post(
        f"/v/{share.token}/",
        {f"{prefix}-availability": "substitute", f"{prefix}-unit_price": "1,50"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Corrige las respuestas marcadas." in html
    assert "Indica qué enviarías en su lugar." in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("es", "¡Hola, Frutas Ana! Los García quiere pedirte «Semana»."),
        ("pt-br", "Olá, Frutas Ana! Los García gostaria de pedir “Semana” a você."),
        ("en", "Hello Frutas Ana! Los García would like to order “Semana” from you."),
    ],
)
def test_the_whatsapp_text_is_in_the_vendors_language_not_the_senders(language, expected):
    share = _share(language, message="Antes de las 12")
    with translation.override("en" if language != "en" else "es"):
        text = services.share_text(share=share, vendor_url="https://grocer.example/v/x/")
    assert text.startswith(expected)
    assert "Antes de las 12" in text
    assert text.endswith("https://grocer.example/v/x/")


def test_the_text_the_worker_sends_is_in_the_vendors_language(whatsapp_on):
    delivery = ShareDeliveryFactory(
        share__vendor__language="pt-br",
        share__vendor__last_inbound_at=timezone.now() - timedelta(hours=1),
    )
    assert deliver_share.apply(args=[str(delivery.id)], throw=True).get() == "sent"
    body = whatsapp_on.requests[0].body["text"]["body"]
    assert body.startswith(f"Olá, {delivery.share.vendor.name}!")
    assert f"Diga o que você tem e os preços aqui: {delivery.vendor_url}" in body


@pytest.mark.parametrize(("language", "code"), [("es", "es"), ("pt-br", "pt_BR"), ("en", "en_US")])
def test_the_template_goes_out_in_the_vendors_language(whatsapp_on, language, code):
    delivery = ShareDeliveryFactory(share__vendor__language=language)
    assert deliver_share.apply(args=[str(delivery.id)], throw=True).get() == "sent"
    body = whatsapp_on.requests[0].body
    assert body["type"] == "template"
    assert body["template"]["language"] == {"code": code}
    assert ShareDelivery.objects.get(pk=delivery.pk).kind == "template"


def test_the_family_sets_the_vendors_language_in_the_form(client):
    admin = MembershipFactory(role="admin")
    client.force_login(admin.user)
    response = client.post(
        f"/f/{admin.family_id}/vendors/",
        {"name": "Padaria", "whatsapp_number": "+55 11 91234 5678", "language": "pt-br"},
    )
    assert response.status_code == 302
    vendor = Vendor.objects.get(name="Padaria")
    assert vendor.language == "pt-br"
    edit = client.get(f"/f/{admin.family_id}/vendors/{vendor.id}/edit/").content.decode()
    assert '<option value="pt-br" selected>Português (Brasil)</option>' in edit


def test_a_new_vendor_defaults_to_english():
    assert VendorFactory().language == "en"

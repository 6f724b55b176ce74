"""The language of a page: the user's setting, else the browser's; the scripts' catalog."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import translation

from families.tests.factories import MembershipFactory, UserFactory
from grocer.money import format_money

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "lang", "heading", "button"),
    [
        ("es-ES,es;q=0.9,en;q=0.5", "es", "Hola de nuevo", "Iniciar sesión"),
        ("pt-BR,pt;q=0.9", "pt-br", "Que bom ver você de novo", "Entrar"),
        ("en-GB,en;q=0.9", "en", "Welcome back", "Log in"),
        ("de-DE", "en", "Welcome back", "Log in"),
    ],
)
def test_the_browser_language_picks_the_page_language(client, accept, lang, heading, button):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert f'<button type="submit">{button}</button>' in html
    assert response["Content-Language"] == lang


def test_the_user_setting_wins_over_the_browser(client):
    membership = MembershipFactory(user__language="pt-br")
    client.force_login(membership.user)
    response = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert '<html lang="pt-br">' in html
    assert "<h1>Seu perfil</h1>" in html
    assert response["Content-Language"] == "pt-br"


def test_without_a_setting_a_signed_in_user_gets_the_browser_language(client):
    client.force_login(UserFactory(language=""))
    response = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="es")
    assert "<h1>Tu perfil</h1>" in response.content.decode()


def test_every_page_loads_the_catalog_of_its_language_as_a_script_file(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<script src="/jsi18n/es.js" defer></script>' in html
    # Before every other script, so they find gettext() when they run.
    assert html.index("/jsi18n/es.js") < html.index("/static/js/chrome.js")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("es", "Enlace de invitación copiado."), ("pt-br", "Link de convite copiado.")],
)
def test_the_javascript_catalog_is_served_per_language(client, lang, expected):
    response = client.get(f"/jsi18n/{lang}.js", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert json.dumps(expected) in body  # the catalog is JSON inside the script
    assert "max-age=3600" in response["Cache-Control"]


def test_an_unknown_catalog_language_is_a_404(client):
    assert client.get("/jsi18n/xx.js").status_code == 404


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "1234.50 EUR"), ("es", "1234,50 EUR"), ("pt-br", "1234,50 EUR")],
)
def test_money_follows_the_active_language(lang, expected, settings):
    settings.GROCER_CURRENCY = "EUR"
    with translation.override(lang):
        assert format_money(Decimal("1234.5")) == expected

"""Every form and endpoint, fed hostile input by a member of the family that owns it.

The forms are discovered from the pages themselves (every <form method=post> on every
GET-able page of the authorization matrix), so new forms are covered automatically.
Hostile input may be refused (400 / form errors) or stored, but never answered with a
500; what is stored renders escaped; and an oversized submission changes nothing.
"""

from __future__ import annotations

import html
import re

import pytest

from grocer.tests.matrix import ROUTES, assert_every_page_escapes, family_data_snapshot, fill_route

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("pwned")</script>'
PAYLOADS = {
    "html": f'{SCRIPT}<img src=x onerror=alert(1)> "quoted" & <b>bold</b>',
    "unicode": "Ñandú 🍅 ½ кг 番茄 \u202e\u200b مرحبا",
    "control": "milk\x00\x01\x07\x1b[31m\r\n\ttab",
    "oversized": "x" * 100_000,
}
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
FIELD = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.I)
SKIP_TYPES = {"hidden", "submit", "checkbox", "radio", "file", "button"}


def _forms(page: str, page_url: str) -> list[tuple[str, dict[str, str], list[str]]]:
    """(action, hidden/default fields, free-text field names) of each POST form."""
    forms = []
    for attrs, body in FORM.findall(page):
        form_attrs = dict(ATTR.findall(attrs))
        if form_attrs.get("method", "get").lower() != "post":
            continue
        action = html.unescape(form_attrs.get("action") or page_url)
        fixed: dict[str, str] = {}
        text: list[str] = []
        for tag, field_attrs in FIELD.findall(body):
            field = dict(ATTR.findall(field_attrs))
            name = field.get("name")
            if not name:
                continue
            kind = field.get("type", "text").lower() if tag.lower() == "input" else tag.lower()
            if kind in SKIP_TYPES or tag.lower() == "select":
                fixed[name] = html.unescape(field.get("value", ""))
            else:
                text.append(name)
        if text:
            forms.append((action, fixed, text))
    return forms


def _discover(client, world) -> list[tuple[str, dict[str, str], list[str]]]:
    found = {}
    urls = [fill_route(route, world["params"]) for _name, route, _pattern in ROUTES]
    for url in [*urls, *world["public_pages"]]:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for action, fixed, text in _forms(response.content.decode(), url):
            found.setdefault((action, tuple(sorted(text))), (action, fixed, text))
    return list(found.values())


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_hostile_input_never_500s_and_renders_escaped(client, world, kind):
    client.force_login(world["admin"])
    forms = _discover(client, world)
    assert len(forms) >= 5, "form discovery found almost nothing: the parser broke"
    payload = PAYLOADS[kind]
    before = family_data_snapshot()
    for action, fixed, text in forms:
        data = {**fixed, **dict.fromkeys(text, payload)}
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.post(action, data, **headers)
            assert response.status_code < 500, (action, kind, response.status_code)
            assert SCRIPT not in response.content.decode(errors="replace"), (action, kind)
    if kind == "oversized":
        assert family_data_snapshot() == before, "an oversized submission was (partly) stored"
    # Whatever was stored renders escaped on every page.
    assert_every_page_escapes(client, world["params"], SCRIPT)

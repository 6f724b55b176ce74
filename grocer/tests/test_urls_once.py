"""`{% id_url %}` writes what `{% url %}` writes (issue 13: the list page's fixed cost)."""

from __future__ import annotations

import uuid

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, set_script_prefix

from grocer.templatetags import urls_once

CASES = [
    ("profile", {}),
    ("families:create", {}),
    ("families:members", {"family_id": uuid.uuid4()}),
    ("lists:detail", {"list_id": uuid.uuid4()}),
    ("shop:store_aisles", {"list_id": uuid.uuid4(), "store_id": uuid.uuid4()}),
]


def _render(tag: str, name: str, ids: dict) -> str:
    args = "".join(f" {key}={key}" for key in ids)
    return Template(f"{{% load urls_once %}}{{% {tag} '{name}'{args} %}}").render(Context(ids))


@pytest.mark.parametrize("prefix", ["/", "/grocer/"])
@pytest.mark.parametrize(("name", "ids"), CASES)
def test_id_url_writes_what_the_url_tag_writes(name, ids, prefix):
    try:
        set_script_prefix(prefix)
        for _ in range(2):  # reversed, then from the kept pattern
            assert _render("id_url", name, ids) == _render("url", name, ids)
        assert _render("id_url", name, ids).startswith(prefix)
    finally:
        set_script_prefix("/")
    assert all(str(value) in _render("id_url", name, ids) for value in ids.values())


def test_other_arguments_take_reverse_as_the_url_tag_does():
    list_id = uuid.uuid4()
    # A string id: reverse() as usual, the same URL.
    assert _render("id_url", "lists:detail", {"list_id": str(list_id)}) == _render(
        "url", "lists:detail", {"list_id": list_id}
    )
    assert urls_once._pattern.cache_info().maxsize
    with pytest.raises(NoReverseMatch):
        _render("id_url", "lists:detail", {"list_id": None})
    with pytest.raises(NoReverseMatch):
        _render("id_url", "lists:detail", {"family_id": uuid.uuid4()})

"""`{% item_url %}` renders exactly what `{% url %}` would, for every item URL."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from lists.tests.factories import ListItemFactory

pytestmark = pytest.mark.django_db

ITEM_URLS = ["item_row", "item_edit", "item_status", "item_assign", "item_delete"]


@pytest.mark.parametrize("name", ITEM_URLS)
def test_item_url_matches_reverse(name):
    items = ListItemFactory.create_batch(2)  # two lists: the cached pattern is per name only
    template = Template("{% load lists_tags %}{% item_url url_name item %}")
    for item in items:
        expected = reverse(
            f"lists:{name}", kwargs={"list_id": item.grocery_list_id, "item_id": item.id}
        )
        assert template.render(Context({"url_name": f"lists:{name}", "item": item})) == expected

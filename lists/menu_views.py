"""An item's menu (status, who gets it, edit, photo, delete), loaded when it is opened.

The list page's rows carry only the "⋯" button and a link here: the menu is most of a
row's weight and is opened for few rows. htmx (static/js/rows.js) loads the partial
into the open menu; without JavaScript the link opens it as the item's own page.
"""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from . import selectors
from .access import list_member_required
from .item_views import _item_or_404
from .models import GroceryList


@require_GET
@list_member_required
def item_menu(
    request: HttpRequest, *, grocery_list: GroceryList, item_id: UUID
) -> TemplateResponse:
    item = _item_or_404(grocery_list, item_id)
    context = {
        "grocery_list": grocery_list,
        "item": item,
        "members": selectors.family_members(family_id=grocery_list.family_id),
    }
    template = "lists/detail.html#item-menu" if request.htmx else "lists/item_page.html"
    return TemplateResponse(request, template, context)

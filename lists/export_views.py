"""Share, download and print a list (`lists.export`): reads only, for any member."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from .access import list_member_required
from .export import list_as_text, list_for_export
from .models import GroceryList


@require_GET
@list_member_required
def list_text(request: HttpRequest, *, grocery_list: GroceryList) -> HttpResponse:
    """The list as plain text: what Share and Copy send; `?download=1` saves a .txt."""
    response = HttpResponse(
        list_as_text(list_for_export(grocery_list=grocery_list)),
        content_type="text/plain; charset=utf-8",
    )
    if request.GET.get("download"):
        filename = f"{slugify(grocery_list.name) or 'grocery-list'}.txt"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A list is private: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@list_member_required
def list_print(request: HttpRequest, *, grocery_list: GroceryList) -> TemplateResponse:
    return TemplateResponse(
        request,
        "lists/print.html",
        {
            "grocery_list": grocery_list,
            "family": grocery_list.family,
            "export": list_for_export(grocery_list=grocery_list),
            "printed_on": timezone.localdate(),
        },
    )

"""`{% photo_figure item %}`: an owner's thumbnail, or a placeholder, never a broken image.

Pages listing many owners load the photos with `select_related("photo")` (items),
`"logo"` (vendors) or `"avatar"` (users), so this costs no query per row.
"""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import get_template
from django.utils.translation import gettext, gettext_noop

from families.models import User
from lists.models import ListItem
from vendors.models import Vendor

register = template.Library()

_OWNERS = {
    ListItem: ("item", "photo", gettext_noop("Photo of %(name)s")),
    Vendor: ("logo", "logo", gettext_noop("Logo of %(name)s")),
    User: ("avatar", "avatar", gettext_noop("Picture of %(name)s")),
}


@register.simple_tag(takes_context=True)
def photo_figure(context, owner) -> str:
    # request.user is a lazy wrapper: isinstance sees through it, type() does not.
    kind, attribute, alt = next(spec for model, spec in _OWNERS.items() if isinstance(owner, model))
    try:
        photo = getattr(owner, attribute)
    except ObjectDoesNotExist:
        photo = None
    label = owner.name if hasattr(owner, "name") else str(owner)
    return get_template("photos/_photo.html#figure").render(
        {"kind": kind, "owner_id": owner.pk, "photo": photo, "alt": gettext(alt) % {"name": label}},
        context.get("request"),
    )

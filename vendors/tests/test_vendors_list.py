"""`vendors_list_for_family` (the list page's "shopping at" panel, issue 13) reads with a
compiled query: the same vendors as `vendors_for_family`, logos loaded, other families'
left out."""

import pytest

from families.tests.factories import FamilyFactory
from photos.models import Photo
from shop import hooks as shop_hooks
from vendors.selectors import vendors_for_family, vendors_list_for_family
from vendors.tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def test_the_list_is_the_querysets_vendors_with_their_logos(django_assert_num_queries):
    family, other = FamilyFactory(), FamilyFactory()
    VendorFactory(name="Bakery", family=None)
    own = VendorFactory(name="Aunt's farm", family=family)
    VendorFactory(name="Their deli", family=other)
    logo = Photo.objects.create(
        kind=Photo.Kind.LOGO,
        vendor=own,
        family=family,
        key=f"logos/{own.pk}.jpg",
        content_type="image/jpeg",
        size=10,
        width=1,
        height=1,
    )

    with django_assert_num_queries(1):
        vendors = vendors_list_for_family(family=family)
        assert vendors[0].logo == logo  # loaded in the same query
    assert vendors == list(vendors_for_family(family=family))
    assert [v.name for v in vendors] == ["Aunt's farm", "Bakery"]
    assert [v.name for v in vendors_list_for_family(family=other)] == ["Bakery", "Their deli"]
    with pytest.raises(Photo.DoesNotExist):
        vendors_list_for_family(family=other)[0].logo  # noqa: B018
    # The shop's panel reads the list through its hook.
    assert shop_hooks.vendors_list_for(family=family) == vendors

import factory

from lists.tests.factories import GroceryListFactory
from vendors.models import Vendor, VendorShare


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    whatsapp_number = factory.Sequence(lambda n: f"+3460{n:07d}")


class VendorShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorShare

    grocery_list = factory.SubFactory(GroceryListFactory)
    vendor = factory.SubFactory(VendorFactory)

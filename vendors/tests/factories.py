import factory

from lists.tests.factories import GroceryListFactory
from vendors.models import ShareDelivery, Vendor, VendorShare


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


class ShareDeliveryFactory(factory.django.DjangoModelFactory):
    """A queued send of a share, as `share_send` leaves it with WhatsApp configured."""

    class Meta:
        model = ShareDelivery

    share = factory.SubFactory(VendorShareFactory, send_count=1)
    number = factory.SelfAttribute("share.send_count")
    vendor_url = factory.LazyAttribute(lambda d: f"https://grocer.example/v/{d.share.token}/")

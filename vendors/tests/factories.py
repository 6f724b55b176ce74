import factory
from django.utils import timezone

from lists.tests.factories import GroceryListFactory
from vendors.models import (
    ShareDelivery,
    Vendor,
    VendorAnswer,
    VendorAnswerLine,
    VendorShare,
    WebhookReceipt,
)


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    whatsapp_number = factory.Sequence(lambda n: f"+3460{n:07d}")


class VendorShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorShare

    grocery_list = factory.SubFactory(GroceryListFactory)
    family = factory.SelfAttribute("grocery_list.family")
    vendor = factory.SubFactory(VendorFactory)


class ShareDeliveryFactory(factory.django.DjangoModelFactory):
    """A queued send of a share, as `share_send` leaves it with WhatsApp configured."""

    class Meta:
        model = ShareDelivery

    share = factory.SubFactory(VendorShareFactory, send_count=1)
    family = factory.SelfAttribute("share.family")
    number = factory.SelfAttribute("share.send_count")
    vendor_url = factory.LazyAttribute(lambda d: f"https://grocer.example/v/{d.share.token}/")


class VendorAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorAnswer

    share = factory.SubFactory(VendorShareFactory)
    family = factory.SelfAttribute("share.family")
    submitted_at = factory.LazyFunction(timezone.now)


class VendorAnswerLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VendorAnswerLine

    answer = factory.SubFactory(VendorAnswerFactory)
    family = factory.SelfAttribute("answer.family")
    name = factory.Sequence(lambda n: f"item {n}")


class WebhookReceiptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookReceipt

    whatsapp_message_id = factory.Sequence(lambda n: f"wamid.{n}")
    status = "delivered"

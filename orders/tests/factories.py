import factory

from lists.tests.factories import GroceryListFactory
from orders.models import Order, OrderLine
from vendors.tests.factories import VendorFactory


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    grocery_list = factory.SubFactory(GroceryListFactory)
    family = factory.SelfAttribute("grocery_list.family")
    vendor = factory.SubFactory(VendorFactory)


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    family = factory.SelfAttribute("order.family")
    name = factory.Sequence(lambda n: f"line {n}")

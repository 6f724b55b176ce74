import factory

from families.tests.factories import FamilyFactory
from lists.models import GroceryList, ListItem


class GroceryListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroceryList

    family = factory.SubFactory(FamilyFactory)
    name = factory.Sequence(lambda n: f"List {n}")


class ListItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ListItem

    grocery_list = factory.SubFactory(GroceryListFactory)
    family = factory.SelfAttribute("grocery_list.family")
    name = factory.Sequence(lambda n: f"item {n}")
    position = factory.Sequence(int)

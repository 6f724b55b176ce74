"""Load the demo family: two members, two lists with items and a vendor. Safe to re-run.

In the vendors app because it fills every app up to vendors (apps import downwards only)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from families.models import Family, Membership, User
from lists.models import Category, GroceryList, ListItem
from vendors.models import Vendor

DEMO_PASSWORD = "grocer-demo"  # noqa: S105 - published demo login, printed by make run
DEMO_USERS = [
    ("ana@demo.grocer", "Ana", Membership.Role.ADMIN),
    ("ben@demo.grocer", "Ben", Membership.Role.MEMBER),
]
DEMO_LISTS = {
    "Weekly shop": [
        ("tomatoes", "2 kg", Category.PRODUCE),
        ("milk", "2", Category.DAIRY),
        ("bread", "1", Category.BAKERY),
        ("eggs", "12", Category.DAIRY),
        ("coffee", "", Category.PANTRY),
    ],
    "Saturday barbecue": [
        ("sausages", "1 kg", Category.MEAT_FISH),
        ("lemonade", "3 l", Category.DRINKS),
        ("charcoal", "1 bag", Category.HOUSEHOLD),
    ],
}


class Command(BaseCommand):
    help = "Create (or keep) the demo family, its members, lists and a vendor."

    @transaction.atomic
    def handle(self, *args, **options):
        family = Family.objects.filter(name="The Demo Family").first()
        if family is None:
            family = Family.objects.create(name="The Demo Family")
        users = {}
        for email, name, role in DEMO_USERS:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
            Membership.objects.get_or_create(user=user, family=family, defaults={"role": role})
            users[name] = user
        if not family.lists.exists():
            for list_name, items in DEMO_LISTS.items():
                grocery_list = GroceryList.objects.create(
                    family=family, name=list_name, created_by=users["Ana"]
                )
                ListItem.objects.bulk_create(
                    ListItem(
                        grocery_list=grocery_list,
                        family=family,
                        name=name,
                        quantity_text=quantity,
                        category=category,
                        position=position,
                        created_by=users["Ana"],
                    )
                    for position, (name, quantity, category) in enumerate(items)
                )
        Vendor.objects.get_or_create(
            family=family,
            name="Corner Greengrocer",
            defaults={"whatsapp_number": "+34600111222", "contact_info": "Calle Mayor 1"},
        )
        if not User.objects.filter(email__iexact="admin@demo.grocer").exists():
            User.objects.create_superuser("admin@demo.grocer", DEMO_PASSWORD, display_name="Admin")
        self.stdout.write(self.style.SUCCESS("Demo family ready."))

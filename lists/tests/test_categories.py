import pytest

from families.tests.factories import FamilyFactory, MembershipFactory
from lists import item_services
from lists.categories import guess_category, known_names, normalize_name
from lists.models import Category, CategoryPreference
from lists.tests.factories import GroceryListFactory

CASES = [
    ("tomatoes", Category.PRODUCE),
    ("Cherry Tomatoes", Category.PRODUCE),
    ("potatoes", Category.PRODUCE),
    ("strawberries", Category.PRODUCE),
    ("peaches", Category.PRODUCE),
    ("leeks", Category.PRODUCE),
    ("sweet potatoes", Category.PRODUCE),
    ("corn on the cob", Category.PRODUCE),
    ("bread", Category.BAKERY),
    ("sourdough loaf", Category.BAKERY),
    ("loaves", Category.BAKERY),
    ("croissants", Category.BAKERY),
    ("milk", Category.DAIRY),
    ("whole milk", Category.DAIRY),
    ("eggs", Category.DAIRY),
    ("free range eggs", Category.DAIRY),
    ("Greek yogurt", Category.DAIRY),
    ("chicken breasts", Category.MEAT_FISH),
    ("salmon fillets", Category.MEAT_FISH),
    ("sausages", Category.MEAT_FISH),
    ("pork chops", Category.MEAT_FISH),
    ("frozen peas", Category.FROZEN),
    ("frozen chicken", Category.FROZEN),
    ("ice cream", Category.FROZEN),
    ("fish fingers", Category.FROZEN),
    ("rice", Category.PANTRY),
    ("olive oil", Category.PANTRY),
    ("tea bags", Category.PANTRY),
    ("milk chocolate", Category.PANTRY),
    ("tomato soup", Category.PANTRY),
    ("coffee", Category.DRINKS),
    ("red wine", Category.DRINKS),
    ("orange juice", Category.DRINKS),
    ("sparkling water", Category.DRINKS),
    ("toilet paper", Category.HOUSEHOLD),
    ("toilet rolls", Category.HOUSEHOLD),
    ("Washing up liquid", Category.HOUSEHOLD),
    ("batteries", Category.HOUSEHOLD),
    ("nappies", Category.HOUSEHOLD),
    ("bin bags", Category.HOUSEHOLD),
    ("dragon", Category.OTHER),
    ("7up", Category.OTHER),
    ("", Category.OTHER),
]


@pytest.mark.parametrize(("name", "category"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_guess_category(name, category):
    assert guess_category(name) == category


def test_the_map_knows_a_few_hundred_groceries():
    assert known_names() >= 300


def test_normalize_name_ignores_case_spacing_and_punctuation():
    assert normalize_name("  Oat  MILK! ") == "oat milk"


@pytest.mark.django_db
def test_a_moved_item_is_remembered_for_the_family_next_time():
    membership = MembershipFactory()
    grocery_list = GroceryListFactory(family=membership.family)
    item = item_services.item_add(
        grocery_list=grocery_list, actor=membership.user, name="Tofu"
    ).item
    assert item.category == Category.OTHER
    item_services.item_update(
        item_id=item.id,
        grocery_list=grocery_list,
        actor=membership.user,
        changes={"category": Category.DAIRY},
        base={"category": Category.OTHER, "version": item.version},
    )
    assert CategoryPreference.objects.get(family=membership.family).name_key == "tofu"
    item_services.item_delete(item_id=item.id, grocery_list=grocery_list, actor=membership.user)
    again = item_services.item_add(
        grocery_list=grocery_list, actor=membership.user, name="TOFU"
    ).item
    assert again.category == Category.DAIRY
    # Another family still gets the built-in answer.
    other_list = GroceryListFactory(family=FamilyFactory())
    other = item_services.item_add(grocery_list=other_list, actor=None, name="tofu").item
    assert other.category == Category.OTHER


@pytest.mark.django_db
def test_the_newest_choice_wins_and_stays_unique():
    family = FamilyFactory()
    item_services.category_preference_remember(family=family, name="Milk", category=Category.DRINKS)
    item_services.category_preference_remember(
        family=family, name="milk ", category=Category.FROZEN
    )
    assert list(CategoryPreference.objects.values_list("name_key", "category")) == [
        ("milk", Category.FROZEN)
    ]
    assert item_services.category_for_name(family=family, name="MILK") == Category.FROZEN

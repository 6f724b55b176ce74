"""The add box's parser against the ways people really type grocery items."""

import pytest

from lists.quantity import parse_item_text

CASES = [
    # quantity first
    ("2 kg tomatoes", "tomatoes", "2 kg"),
    ("2kg tomatoes", "tomatoes", "2 kg"),
    ("2 KG Tomatoes", "Tomatoes", "2 kg"),
    ("3 eggs", "eggs", "3"),
    ("12 eggs", "eggs", "12"),
    ("½ dozen eggs", "eggs", "½ dozen"),
    ("half a dozen eggs", "eggs", "half a dozen"),
    ("Half a dozen eggs", "eggs", "half a dozen"),
    ("a dozen eggs", "eggs", "a dozen"),
    ("1 1/2 kg flour", "flour", "1 1/2 kg"),
    ("1/2 kg flour", "flour", "1/2 kg"),
    ("1½ kg potatoes", "potatoes", "1½ kg"),
    ("2.5kg potatoes", "potatoes", "2.5 kg"),
    ("2,5 kg potatoes", "potatoes", "2,5 kg"),
    ("100g butter", "butter", "100 g"),
    ("500 ML cream", "cream", "500 ml"),
    ("1 L milk", "milk", "1 l"),
    ("2 lbs ground beef", "ground beef", "2 lbs"),
    ("1 bag of rice", "rice", "1 bag"),
    ("a bag of rice", "rice", "a bag"),
    ("2 tins of tomatoes", "tomatoes", "2 tins"),
    ("3 cans chickpeas", "chickpeas", "3 cans"),
    ("two loaves of bread", "bread", "two loaves"),
    ("one onion", "onion", "one"),
    ("an onion", "onion", "1"),
    ("a couple of avocados", "avocados", "a couple"),
    ("2 x milk", "milk", "2"),
    ("2x milk", "milk", "2"),
    ("6 bananas", "bananas", "6"),
    ("4 bunches of coriander", "coriander", "4 bunches"),
    ("1 head lettuce", "lettuce", "1 head"),
    ("2 packs butter", "butter", "2 packs"),
    ("3 bottles of wine", "wine", "3 bottles"),
    ("1 jar of honey", "honey", "1 jar"),
    # quantity last
    ("tomatoes 2kg", "tomatoes", "2 kg"),
    ("tomatoes 2 kg", "tomatoes", "2 kg"),
    ("tomatoes, 2 kg", "tomatoes", "2 kg"),
    ("apples 1kg.", "apples", "1 kg"),
    ("milk x2", "milk", "2"),
    ("Milk X2", "Milk", "2"),
    ("milk x 2", "milk", "2"),
    ("milk 2x", "milk", "2"),
    ("milk \u00d72", "milk", "2"),
    ("milk *2", "milk", "2"),
    ("milk 2", "milk", "2"),
    ("eggs 12", "eggs", "12"),
    ("eggs x 12", "eggs", "12"),
    ("eggs - 12", "eggs", "12"),
    ("eggs: 6", "eggs", "6"),
    ("eggs a dozen", "eggs", "a dozen"),
    ("butter 250 g", "butter", "250 g"),
    ("ground beef 2lb", "ground beef", "2 lb"),
    ("Coke 330ml", "Coke", "330 ml"),
    ("toilet paper 9 rolls", "toilet paper", "9 rolls"),
    ("chickpeas 3 cans", "chickpeas", "3 cans"),
    ("bread (2 loaves)", "bread", "2 loaves"),
    ("oranges (3kg)", "oranges", "3 kg"),
    # no quantity
    ("milk", "milk", ""),
    ("  oat   milk  ", "oat milk", ""),
    ("salt", "salt", ""),
    ("7up", "7up", ""),
    ("vitamin b12", "vitamin b12", ""),
    ("vitamin a", "vitamin a", ""),
    ("milk (semi-skimmed)", "milk (semi-skimmed)", ""),
    ("2 large eggs", "large eggs", "2"),
    ("3 lemons", "lemons", "3"),
    ("2 gala apples", "gala apples", "2"),
    ("2 kg", "2 kg", ""),
    ("12", "12", ""),
    ("a", "a", ""),
    ("Crème fraîche", "Crème fraîche", ""),
    ("Brussels sprouts 500g", "Brussels sprouts", "500 g"),
]


@pytest.mark.parametrize(("text", "name", "quantity"), CASES, ids=[c[0] for c in CASES])
def test_parse_item_text(text, name, quantity):
    parsed = parse_item_text(text)
    assert (parsed.name, parsed.quantity) == (name, quantity)


def test_empty_text_gives_empty_name():
    assert parse_item_text("   ").name == ""


def test_quantity_is_never_longer_than_the_model_allows():
    parsed = parse_item_text("9" * 60 + " eggs")
    assert parsed.name == "eggs"
    assert len(parsed.quantity) <= 50

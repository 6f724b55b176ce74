"""Spanish and Portuguese quantities: the add box understands them as it does English."""

from __future__ import annotations

import pytest
from django.utils import translation

from lists.quantity import merge_quantities, parse_amount, parse_item_text, quantity_steps


def _split(text: str) -> tuple[str, str]:
    parsed = parse_item_text(text)
    return parsed.name, parsed.quantity


PORTUGUESE = {
    "leite x2",
    "meia dúzia de ovos",
    "500 gramas de queijo",
    "duas garrafas de vinho",
    "um pacote de café",
    "meio quilo de feijão",
    "uma alface",
}


@pytest.mark.parametrize(
    ("text", "name", "quantity"),
    [
        ("2 kg tomates", "tomates", "2 kg"),
        ("tomates 2kg", "tomates", "2 kg"),
        ("leite x2", "leite", "2"),
        ("leche x 3", "leche", "3"),
        ("media docena de huevos", "huevos", "media docena"),
        ("meia dúzia de ovos", "ovos", "meia dúzia"),
        ("1 litro de leche", "leche", "1 litro"),
        ("500 gramas de queijo", "queijo", "500 gramas"),
        ("500 gramos de queso", "queso", "500 gramos"),
        ("un paquete de arroz", "arroz", "un paquete"),
        ("dos botellas de vino", "vino", "dos botellas"),
        ("duas garrafas de vinho", "vinho", "duas garrafas"),
        ("3 latas de atún", "atún", "3 latas"),
        ("um pacote de café", "café", "um pacote"),
        ("medio kilo de carne picada", "carne picada", "medio kilo"),
        ("meio quilo de feijão", "feijão", "meio quilo"),
        ("1,5 l de agua", "agua", "1,5 l"),
        ("pan (2 barras)", "pan", "2 barras"),
        ("una lechuga", "lechuga", "1"),
        ("uma alface", "alface", "1"),
        ("huevos 12", "huevos", "12"),
        ("1 kg del pescado", "pescado", "1 kg"),
    ],
)
def test_spanish_and_portuguese_items(text, name, quantity):
    language = "pt-br" if text in PORTUGUESE else "es"
    with translation.override(language):
        parsed = parse_item_text(text)
    assert (parsed.name, parsed.quantity) == (name, quantity)


def test_number_words_follow_the_active_language():
    with translation.override("pt-br"):
        assert _split("doce de leite") == ("doce de leite", "")
        assert _split("doze ovos") == ("ovos", "doze")
    with translation.override("es"):
        assert _split("doce huevos") == ("huevos", "doce")
    with translation.override("en"):
        # English words always; units of every language (they only follow a number).
        assert _split("two eggs") == ("eggs", "two")
        assert _split("500 gramas de queijo") == ("queijo", "500 gramas")
        assert _split("dos huevos") == ("dos huevos", "")


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "vitamina a"),
        ("es", "agua de coco"),
        ("es", "pan de molde"),
        ("es", "queso de cabra"),
        ("pt-br", "doce de leite"),
        ("pt-br", "pão de queijo"),
    ],
)
def test_names_that_merely_contain_the_words_stay_whole(language, text):
    with translation.override(language):
        parsed = parse_item_text(text)
    assert (parsed.name, parsed.quantity) == (text, "")


@pytest.mark.parametrize(
    ("text", "grams_or_ml_or_count"),
    [("medio kilo", 500), ("meio quilo", 500), ("1 litro", 1000), ("500 gramas", 500),
     ("media docena", "1/2"), ("dos botellas", 2), ("duas garrafas", 2), ("250 mililitros", 250)],
)  # fmt: skip
def test_amounts_in_spanish_and_portuguese(text, grams_or_ml_or_count):
    from fractions import Fraction

    amount = parse_amount(text)
    assert amount is not None
    assert amount.value == Fraction(grams_or_ml_or_count)


@pytest.mark.parametrize(
    ("existing", "added", "merged"),
    [
        ("500 gramos", "1 kilo", "1.5 kg"),
        ("1 litro", "500 ml", "1.5 l"),
        ("1 botella", "2 botellas", "3 botellas"),
        ("2 garrafas", "1 garrafa", "3 garrafas"),
        ("2 latas", "1 lata", "3 latas"),
        ("media docena", "1 docena", "1.5 docenas"),
        ("1 dúzia", "1 duzia", "2 dúzias"),
        ("2 uds", "1", "3 uds"),
        ("1 botella", "1 bottle", None),
    ],
)
def test_merging_spanish_and_portuguese_quantities(existing, added, merged):
    assert merge_quantities(existing, added) == merged


def test_stepping_a_portuguese_count_keeps_the_word_in_agreement():
    steps = quantity_steps("1 pacote")
    assert steps.up == "2 pacotes"
    assert steps.down is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text", "name", "quantity"),
    [
        ("es", "media docena de huevos", "huevos", "media docena"),
        ("pt-br", "meia dúzia de ovos", "ovos", "meia dúzia"),
        ("pt-br", "doce de leite", "doce de leite", ""),
    ],
)
def test_the_add_box_parses_in_the_users_language(client, language, text, name, quantity):
    from families.tests.factories import MembershipFactory
    from lists.models import ListItem
    from lists.tests.factories import GroceryListFactory

    membership = MembershipFactory(user__language=language)
    grocery_list = GroceryListFactory(family=membership.family)
    client.force_login(membership.user)
    client.post(f"/lists/{grocery_list.id}/items/", {"text": text})
    item = ListItem.objects.get(grocery_list=grocery_list)
    assert (item.name, item.quantity_text) == (name, quantity)

"""Property-based tests (hypothesis) for the item parser and the list forms."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lists.forms import ItemAddForm, ItemEditForm, ListForm
from lists.quantity import _UNITS, normalize_spaces, parse_item_text

# Anything a phone keyboard (or a paste) can produce, control characters included.
any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300)
# Item names: letters only, and not words the parser reads as amounts ("a", "two", "kg").
_AMOUNT_WORDS = set(
    [
        "a",
        "an",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "half",
        "few",
        "couple",
        "of",
        "x",
    ]
) | set(_UNITS)
words = st.text(alphabet=st.characters(categories=("L",)), min_size=2, max_size=15).filter(
    lambda word: word.lower().rstrip(".") not in _AMOUNT_WORDS
)
numbers = st.integers(min_value=1, max_value=999)
units = st.sampled_from(["kg", "g", "l", "ml", "pack", "bag", "dozen", "tins", "bottles"])


@given(any_text)
@example("2 kg")
@example("x")
@example("½")
@example("a")
@example("(2)")
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_parser_never_fails_and_never_loses_the_item(text):
    parsed = parse_item_text(text)
    assert isinstance(parsed.name, str) and isinstance(parsed.quantity, str)
    assert len(parsed.quantity) <= 50
    if normalize_spaces(text):
        # The name is never empty when something was typed, and adds no characters.
        assert parsed.name
        assert parsed.name in normalize_spaces(text)
    else:
        assert parsed.name == parsed.quantity == ""


@given(number=numbers, unit=units, name=words)
def test_leading_amount_is_split_off(number, unit, name):
    parsed = parse_item_text(f"{number} {unit} {name}")
    assert parsed.quantity == f"{number} {unit}"
    assert parsed.name == name


@given(number=numbers, unit=units, name=words)
def test_trailing_amount_is_split_off(number, unit, name):
    parsed = parse_item_text(f"{name} {number}{unit}")
    assert parsed.quantity == f"{number} {unit}"
    assert parsed.name == name


@given(number=numbers, name=words)
def test_times_notation(number, name):
    assert parse_item_text(f"{name} x{number}") == parse_item_text(f"{number} {name}")


@given(text=any_text, quantity=any_text, note=any_text, name=any_text)
@settings(max_examples=200)
@pytest.mark.parametrize(
    "form_class", [ItemAddForm, ItemEditForm, ListForm], ids=lambda c: c.__name__
)
def test_forms_validate_anything_without_raising(form_class, text, quantity, note, name):
    """Bad input is a form error, never an exception; what is accepted respects the limits."""
    data = {
        "text": text,
        "name": name,
        "quantity_text": quantity,
        "note": note,
        "description": note,
        "category": "other",
        "version": "1",
    }
    form = form_class(data)
    if form.is_valid():
        cleaned = form.cleaned_data
        assert len(cleaned.get("name", "")) <= 200
        assert len(cleaned.get("quantity_text", "") or "") <= 50
        assert len(cleaned.get("note", "") or "") <= 1000
        assert "\x00" not in "".join(str(value) for value in cleaned.values())

"""The one money format: two decimals, the currency, the active language's separators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from families.models import Family
from grocer.money import format_money


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("7.5"), "7.50 EUR"),  # SQLite's SUM of 2.50 + 5 * 1.00
        (Decimal("5.40000000000000"), "5.40 EUR"),  # SQLite's SUM through a float
        (Decimal("3.00"), "3.00 EUR"),
        (Decimal("0"), "0.00 EUR"),
        (Decimal("2.005"), "2.01 EUR"),  # half-up, like the order lines
        (5.4, "5.40 EUR"),
        (12, "12.00 EUR"),
        (None, ""),
        ("not a number", ""),
    ],
)
def test_format_money_always_prints_two_decimals_and_the_currency(amount, expected):
    assert format_money(amount) == expected


def test_the_number_alone_for_table_cells():
    from grocer.money import format_money_number

    assert format_money_number(Decimal("1.5")) == "1.50"
    assert format_money_number(None) == ""


def test_format_money_uses_the_given_currency_and_the_setting_otherwise(settings):
    settings.GROCER_CURRENCY = "GBP"
    assert format_money(Decimal("1.5")) == "1.50 GBP"
    assert format_money(Decimal("1.5"), "CHF") == "1.50 CHF"


def test_format_money_follows_the_active_language():
    with translation.override("de"):
        assert format_money(Decimal("1234.5")) == "1234,50 EUR"
    with translation.override("en"):
        assert format_money(Decimal("1234.5")) == "1234.50 EUR"


def test_the_filter_is_available_in_every_template_without_a_load():
    from django.template import engines

    template = engines["django"].from_string("{{ total|money }}|{{ total|money:'GBP' }}")
    assert template.render({"total": Decimal("7.5")}) == "7.50 EUR|7.50 GBP"


def test_monthly_spend_prints_two_decimals_whatever_the_database_returns():
    """SQLite gives the monthly SUM as Decimal('5.40000000000000'): the page still says 5.40."""
    html = render_to_string(
        "orders/history.html",
        {
            "family": Family(name="The Smiths"),
            "orders": [],
            "monthly": [
                {
                    "month": date(2026, 11, 1),
                    "currency": "EUR",
                    "total": Decimal("5.40000000000000"),
                    "orders": 2,
                },
                {
                    "month": date(2026, 10, 1),
                    "currency": "EUR",
                    "total": Decimal("7.5"),
                    "orders": 1,
                },
            ],
        },
    )
    assert "5.40 EUR" in html and "7.50 EUR" in html
    assert "5.40000000000000" not in html and "7.5 EUR" not in html

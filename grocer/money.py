"""The one way money is printed: two decimals, the currency, the active locale's separators.

Totals come back from the database as whatever the backend's arithmetic gives: PostgreSQL's
`numeric` keeps the column's scale, SQLite's `SUM` gives `Decimal('7.5')` or a float turned
into `Decimal('5.40000000000000')`. Every template and every sentence goes through
`format_money` (or the `money` filter), so none of that reaches a page.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.formats import number_format

CENT = Decimal("0.01")


def to_cents(amount: Decimal | float | int | str) -> Decimal:
    """`amount` rounded half-up to cents (floats through their shortest text, not binary)."""
    return Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal | float | int | str | None, currency: str = "") -> str:
    """'7.50 EUR' (or '7,50 EUR' where the active language writes a decimal comma).

    `currency` is the order's own when it has one; the family's (the site setting) otherwise.
    None or something that is not a number prints as an empty string, never a 500.
    """
    number = format_money_number(amount)
    return f"{number} {currency or settings.GROCER_CURRENCY}" if number else ""


def format_money_number(amount: Decimal | float | int | str | None) -> str:
    """'7.50' / '7,50': the same format without the currency, for table cells whose
    column or total already says it (narrow screens have no room to repeat it)."""
    if amount is None or amount == "":
        return ""
    try:
        value = to_cents(amount)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    return number_format(value, decimal_pos=2, use_l10n=True)

"""`{{ total|money }}` / `{{ order.total|money:order.currency }}`, and `money_number`
(the same without the currency, for table cells): see grocer/money.py.

Registered as a template builtin in settings, so every template can use it without a load.
"""

from __future__ import annotations

from django import template

from grocer.money import format_money, format_money_number

register = template.Library()


@register.filter(name="money")
def money(amount, currency: str = "") -> str:
    return format_money(amount, currency)


@register.filter(name="money_number")
def money_number(amount) -> str:
    return format_money_number(amount)

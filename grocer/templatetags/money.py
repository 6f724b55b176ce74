"""`{{ total|money }}` / `{{ order.total|money:order.currency }}`: see grocer/money.py.

Registered as a template builtin in settings, so every template can use it without a load.
"""

from __future__ import annotations

from django import template

from grocer.money import format_money

register = template.Library()


@register.filter(name="money")
def money(amount, currency: str = "") -> str:
    return format_money(amount, currency)

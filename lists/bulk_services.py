"""Adding many items at once: a pasted list, a comma list, a saved set, the staples.

Each entry goes through `item_services.item_add`, so it is parsed, merged and refused
exactly like a single add ("2 milk" then "1 milk" is "3 milk"; a bare repeat of a needed
name adds nothing). All entries share one transaction: either every line is on the list
or none is (a line the database refuses fails the whole paste with its reason). Each
add records its own `ListEvent`, published after the one commit, so open pages get one
push per item, in order, and a reconnecting page catches up on them like on any add.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from families.models import User
from grocer.transactions import retry_on_conflict

from . import item_services
from .models import GroceryList, ListItem
from .quantity import normalize_spaces, parse_item_text

# A paste longer than this is almost certainly not a shopping list (or is a mistake).
MAX_ENTRIES = 60
# Line starts people paste from notes apps and recipes: "- milk", "* eggs", "• bread",
# "1. flour", "[ ] butter", "☐ jam".
_BULLET = re.compile(r"^\s*(?:[-*•·▪◦\u2013\u2014]|\[\s?[xX ]?\s?\]|[☐☑✓✔]|\d+[.)](?=\s))\s*")
# Commas separate entries, except inside a number ("1,5 kg").
_COMMA = re.compile(r"(?<!\d),|,(?!\d)")


@dataclass(frozen=True)
class Entry:
    name: str
    quantity_text: str = ""


def _is_amount_only(piece: str) -> bool:
    """True for "2 kg", "x2": what the parser reads as the quantity of a preceding name.

    Asked of the parser itself ("item, 2 kg" is item with 2 kg), so "tomatoes, 2 kg"
    stays one entry for exactly the reason a single add reads it as one item.
    """
    parsed = parse_item_text(f"item, {piece}")
    return parsed.name == "item" and bool(parsed.quantity)


def split_entries(text: str) -> list[str]:
    """The entries of a pasted or typed text: one a line, or comma-separated.

    Bullets and check boxes at line starts go; blank lines and empty pieces are skipped.
    """
    entries: list[str] = []
    for line in text.splitlines():
        line = normalize_spaces(_BULLET.sub("", line, count=1))
        if not line:
            continue
        pieces: list[str] = []
        for piece in _COMMA.split(line):
            piece = normalize_spaces(piece)
            if not piece:
                continue
            if pieces and _is_amount_only(piece):
                pieces[-1] = f"{pieces[-1]}, {piece}"
            else:
                pieces.append(piece)
        entries.extend(pieces)
    return entries


def parse_entries(text: str) -> list[Entry]:
    """`split_entries`, each parsed into a name and a quantity like a single add."""
    parsed = (parse_item_text(piece) for piece in split_entries(text))
    return [Entry(name=p.name, quantity_text=p.quantity) for p in parsed]


_OUTCOME_RANK = {"already": 0, "merged": 1, "added": 2}


@dataclass
class BulkAddResult:
    """What happened to each item the entries named, each item once, in first-seen order."""

    outcomes: dict[object, str] = field(default_factory=dict)  # item pk → added|merged|already
    latest: dict[object, ListItem] = field(default_factory=dict)  # item pk → its newest state

    def note(self, item: ListItem, outcome: str) -> None:
        # An item added (or merged) and then met again by a later entry keeps the
        # strongest outcome and its latest quantity.
        previous = self.outcomes.get(item.pk)
        if previous is None or _OUTCOME_RANK[outcome] > _OUTCOME_RANK[previous]:
            self.outcomes[item.pk] = outcome
        self.latest[item.pk] = item

    def _with(self, outcome: str) -> list[ListItem]:
        return [self.latest[pk] for pk, seen in self.outcomes.items() if seen == outcome]

    @property
    def added(self) -> list[ListItem]:
        return self._with("added")

    @property
    def merged(self) -> list[ListItem]:
        return self._with("merged")

    @property
    def already(self) -> list[ListItem]:
        return self._with("already")

    @property
    def items(self) -> list[ListItem]:
        return list(self.latest.values())


@retry_on_conflict
def items_add_bulk(
    *, grocery_list: GroceryList, actor: User | None, entries: Iterable[Entry]
) -> BulkAddResult:
    """Add every entry with `item_add`'s rules, all in one transaction.

    An entry that repeats an earlier one of the same batch meets it as an item already
    needed, so "milk x2" and "milk" in one paste are one "milk 2": the batch reads as if
    typed one line after the other.
    """
    entries = list(entries)
    if not entries:
        raise ValidationError({"text": _("Type what you need, e.g. “2 kg tomatoes”.")})
    if len(entries) > MAX_ENTRIES:
        raise ValidationError(
            {"text": _("At most %(max)d items at once, please.") % {"max": MAX_ENTRIES}}
        )
    result = BulkAddResult()
    with transaction.atomic():
        for entry in entries:
            added = item_services.item_add(
                grocery_list=grocery_list,
                actor=actor,
                name=entry.name,
                quantity_text=entry.quantity_text,
            )
            outcome = "added" if added.created else "merged" if added.merged else "already"
            result.note(added.item, outcome)
    return result

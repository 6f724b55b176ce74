"""Split what people type into the add box into an item name and a quantity.

"2 kg tomatoes", "tomatoes 2kg", "milk x2", "3 eggs", "½ dozen eggs", "1 bag of rice",
"bread (2 loaves)" all work. The quantity is kept as short readable text ("2 kg",
"½ dozen"), never converted: a family writes "a bunch" or "2 tins" and means it.
When nothing looks like a quantity the whole text is the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FRACTIONS = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    "a couple of|a few|half a|half an|half|a|an"
)
# A number as typed: 2, 2.5, 2,5, 1/2, 1 1/2, ½, 1½, or a small number word.
_NUMBER = (
    rf"(?:\d+\s+\d+/\d+|\d+/\d+|\d+(?:[.,]\d+)?\s*[{_FRACTIONS}]?|[{_FRACTIONS}]"
    rf"|(?:{_NUMBER_WORDS})\b)"
)
_UNITS = sorted(
    """
    kg kgs kilo kilos kilogram kilograms g gr grs gram grams mg lb lbs pound pounds oz ounce
    ounces l lt ltr ltrs liter liters litre litres ml cl dl pt pint pints qt gal gallon gallons
    pc pcs piece pieces pack packs packet packets pk pkt bag bags box boxes bottle bottles btl
    can cans tin tins jar jars carton cartons bunch bunches head heads loaf loaves dozen doz
    cup cups tbsp tsp slice slices roll rolls bar bars tub tubs clove cloves stick sticks
    punnet punnets sachet sachets tray trays crate crates case cases bundle bundles block blocks
    sack sacks pot pots tube tubes sheet sheets
    """.split(),  # noqa: SIM905 - a word block is far easier to read and extend
    key=len,
    reverse=True,
)
_UNIT = r"(?:" + "|".join(_UNITS) + r")\.?"
# "½ dozen", "2 kg", "2kg", "a bag": a number with an optional unit (and "of").
_AMOUNT = rf"{_NUMBER}\s*(?:{_UNIT}(?![\w]))?"
_TIMES = "[x\u00d7*]"  # x, the multiplication sign, or an asterisk

_LEADING = re.compile(
    rf"^(?P<qty>{_NUMBER}\s*{_TIMES}|{_AMOUNT})(?:\s+of)?\s+(?P<name>.+)$", re.IGNORECASE
)
_TRAILING = re.compile(
    rf"^(?P<name>.+?)[\s,:;-]+(?P<qty>{_TIMES}\s*{_NUMBER}|{_AMOUNT}|{_NUMBER}\s*{_TIMES})$",
    re.IGNORECASE,
)
# "milk x2" with no space before the x, or "tomatoes 2kg" glued to nothing else.
_TRAILING_TIGHT = re.compile(rf"^(?P<name>.+?)\s*(?P<qty>{_TIMES}\s*\d+)$", re.IGNORECASE)
_PARENS = re.compile(r"^(?P<name>.+?)\s*\((?P<qty>[^()]+)\)$")
_SPACES = re.compile(r"\s+")
_GLUED = re.compile(rf"^(?P<num>{_NUMBER})\s*(?P<rest>.*)$", re.IGNORECASE)
_BARE_ARTICLE = re.compile(r"^(?:a|an)$", re.IGNORECASE)
_WHOLE_AMOUNT = re.compile(rf"^(?:(?:{_TIMES}\s*)?{_AMOUNT}|{_NUMBER}\s*{_TIMES})$", re.IGNORECASE)
_JUST_A_UNIT = re.compile(rf"^{_UNIT}$", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedItem:
    name: str
    quantity: str


def normalize_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _tidy_quantity(raw: str) -> str:
    """ "2KG" -> "2 kg", "x2" / "2x" -> "2", "a bag" -> "1 bag"."""
    qty = normalize_spaces(raw)
    qty = re.sub(rf"^{_TIMES}\s*", "", qty, flags=re.IGNORECASE)
    qty = re.sub(rf"\s*{_TIMES}$", "", qty, flags=re.IGNORECASE)
    glued = _GLUED.match(qty)
    if glued:
        number, rest = glued["num"].strip(), glued["rest"].strip()
        qty = f"{number} {rest}".strip() if rest else number
    return re.sub(r"(?:\s+of)?\.?$", "", qty.lower())


def _is_plain_article(qty: str) -> bool:
    return bool(_BARE_ARTICLE.match(qty.strip()))


def parse_item_text(text: str) -> ParsedItem:
    """Name and quantity from free text; the name is never empty if the text was not."""
    text = normalize_spaces(text)
    if not text:
        return ParsedItem(name="", quantity="")
    for pattern in (_PARENS, _LEADING, _TRAILING, _TRAILING_TIGHT):
        match = pattern.match(text)
        if not match:
            continue
        name = match["name"].strip(" ,;:-")
        qty = match["qty"]
        if not re.search(r"[^\W\d_]", name) or _JUST_A_UNIT.match(name):
            continue  # "2 kg" alone, or "12 3": not an item name
        if pattern is _PARENS:
            if not _WHOLE_AMOUNT.match(qty.strip()) or _is_plain_article(qty):
                continue  # "milk (semi-skimmed)" is a name
            return ParsedItem(name=name, quantity=_tidy_quantity(qty)[:50])
        if _is_plain_article(qty):
            # "an onion" is one onion; "a" alone never ends an item ("vitamin a").
            if pattern is not _LEADING:
                continue
            return ParsedItem(name=name, quantity="1")
        return ParsedItem(name=name, quantity=_tidy_quantity(qty)[:50])
    return ParsedItem(name=text, quantity="")

"""Split what people type into the add box into an item name and a quantity.

"2 kg tomatoes", "tomatoes 2kg", "milk x2", "3 eggs", "½ dozen eggs", "1 bag of rice",
"bread (2 loaves)" all work, and so do Spanish and Portuguese ones: "2 kg tomates",
"leite x2", "media docena de huevos", "meia dúzia de ovos", "1 litro de leche",
"500 gramas de queijo", "un paquete de arroz". Number words are English plus those of the
active language (Spanish "doce" is twelve; a Brazilian "doce de leite" is a sweet).
The quantity is kept as short readable text ("2 kg", "½ dozen"), never converted: a
family writes "a bunch" or "2 tins" and means it.
When nothing looks like a quantity the whole text is the name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction

from django.utils import translation

_FRACTIONS = "½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞"
_ENGLISH_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    "a couple of|a few|half a|half an|half|a|an"
)
# Number words of the active language, beside English: a Spanish "doce" is twelve, a
# Brazilian "doce de leite" a sweet. Longer spellings first (the alternation takes the
# first that fits).
_LANGUAGE_WORDS = {
    "es": "un par de|unos|unas|uno|una|un|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|"
    "once|doce|quince|veinte|medio|media",
    "pt": "um par de|uns|umas|uma|um|dois|duas|três|tres|quatro|cinco|seis|sete|oito|nove|"
    "dez|onze|doze|quinze|vinte|meio|meia",
}
_NUMBER_WORDS = "|".join([_ENGLISH_WORDS, *_LANGUAGE_WORDS.values()])


def _number_pattern(words: str) -> str:
    """A number as typed: 2, 2.5, 2,5, 1/2, 1 1/2, ½, 1½, or a small number word."""
    return (
        rf"(?:\d+\s+\d+/\d+|\d+/\d+|\d+(?:[.,]\d+)?\s*[{_FRACTIONS}]?|[{_FRACTIONS}]"
        rf"|(?:{words})\b)"
    )


# Splits a quantity already found ("media docena") into its number and the rest.
_GLUED = re.compile(rf"^(?P<num>{_number_pattern(_NUMBER_WORDS)})\s*(?P<rest>.*)$", re.IGNORECASE)
_UNITS = sorted(
    """
    kg kgs kilo kilos kilogram kilograms g gr grs gram grams mg lb lbs pound pounds oz ounce
    ounces l lt ltr ltrs liter liters litre litres ml cl dl pt pint pints qt gal gallon gallons
    pc pcs piece pieces pack packs packet packets pk pkt bag bags box boxes bottle bottles btl
    can cans tin tins jar jars carton cartons bunch bunches head heads loaf loaves dozen doz
    cup cups tbsp tsp slice slices roll rolls bar bars tub tubs clove cloves stick sticks
    punnet punnets sachet sachets tray trays crate crates case cases bundle bundles block blocks
    sack sacks pot pots tube tubes sheet sheets
    kilogramo kilogramos gramo gramos litro litros mililitro mililitros docena docenas
    paquete paquetes bolsa bolsas botella botellas lata latas caja cajas bote botes
    tarro tarros barra barras pieza piezas unidad unidades ud uds manojo manojos
    cabeza cabezas rebanada rebanadas sobre sobres bandeja bandejas tableta tabletas
    cartón cartones brik briks malla mallas
    quilo quilos quilograma quilogramas grama gramas dúzia dúzias duzia duzias
    pacote pacotes saco sacos garrafa garrafas caixa caixas pote potes vidro vidros
    unidade unidades und maço maços cabeça cabeças fatia fatias rolo rolos
    """.split(),  # noqa: SIM905 - a word block is far easier to read and extend
    key=len,
    reverse=True,
)
_UNIT = r"(?:" + "|".join(_UNITS) + r")\.?"
# "½ dozen", "2 kg", "2kg", "a bag": a number with an optional unit (and "of").
_TIMES = "[x\u00d7*]"  # x, the multiplication sign, or an asterisk

# "1 bag of rice", "1 litro de leche", "500 gramas de queijo": the linking word is dropped.
_OF = r"(?:of|de|del|da|do)"


@dataclass(frozen=True)
class _Patterns:
    leading: re.Pattern
    trailing: re.Pattern
    whole_amount: re.Pattern


@functools.cache
def _patterns(language: str) -> _Patterns:
    """The add box's patterns for English plus `language`'s number words ("es", "pt")."""
    words = "|".join(filter(None, [_LANGUAGE_WORDS.get(language, ""), _ENGLISH_WORDS]))
    number = _number_pattern(words)
    amount = rf"{number}\s*(?:{_UNIT}(?![\w]))?"
    return _Patterns(
        leading=re.compile(
            rf"^(?P<qty>{number}\s*{_TIMES}|{amount})(?:\s+{_OF})?\s+(?P<name>.+)$",
            re.IGNORECASE,
        ),
        trailing=re.compile(
            rf"^(?P<name>.+?)[\s,:;-]+(?P<qty>{_TIMES}\s*{number}|{amount}|{number}\s*{_TIMES})$",
            re.IGNORECASE,
        ),
        whole_amount=re.compile(
            rf"^(?:(?:{_TIMES}\s*)?{amount}|{number}\s*{_TIMES})$", re.IGNORECASE
        ),
    )


def _active_patterns() -> _Patterns:
    return _patterns((translation.get_language() or "en").split("-")[0].lower())


# "milk x2" with no space before the x, or "tomatoes 2kg" glued to nothing else.
_TRAILING_TIGHT = re.compile(rf"^(?P<name>.+?)\s*(?P<qty>{_TIMES}\s*\d+)$", re.IGNORECASE)
_PARENS = re.compile(r"^(?P<name>.+?)\s*\((?P<qty>[^()]+)\)$")
_SPACES = re.compile(r"\s+")
_BARE_ARTICLE = re.compile(r"^(?:a|an|un|una|uno|um|uma)$", re.IGNORECASE)
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
    return re.sub(rf"(?:\s+{_OF})?\.?$", "", qty.lower())


def _is_plain_article(qty: str) -> bool:
    return bool(_BARE_ARTICLE.match(qty.strip()))


def parse_item_text(text: str) -> ParsedItem:
    """Name and quantity from free text; the name is never empty if the text was not."""
    text = normalize_spaces(text)
    if not text:
        return ParsedItem(name="", quantity="")
    patterns = _active_patterns()
    for pattern in (_PARENS, patterns.leading, patterns.trailing, _TRAILING_TIGHT):
        match = pattern.match(text)
        if not match:
            continue
        name = match["name"].strip(" ,;:-")
        qty = match["qty"]
        if not re.search(r"[^\W\d_]", name) or _JUST_A_UNIT.match(name):
            continue  # "2 kg" alone, or "12 3": not an item name
        if pattern is _PARENS:
            if not patterns.whole_amount.match(qty.strip()) or _is_plain_article(qty):
                continue  # "milk (semi-skimmed)" is a name
            return ParsedItem(name=name, quantity=_tidy_quantity(qty)[:50])
        if _is_plain_article(qty):
            # "an onion" is one onion; "a" alone never ends an item ("vitamin a").
            if pattern is not patterns.leading:
                continue
            return ParsedItem(name=name, quantity="1")
        return ParsedItem(name=name, quantity=_tidy_quantity(qty)[:50])
    return ParsedItem(name=text, quantity="")


# --- Amounts: stepping (+/-) and merging ---------------------------------------------
#
# Only quantities that read as "<number> [unit]" take part; "a bunch", "a few",
# "2 tins or 3 jars" stay text and simply get no +/- buttons and no merging.
#
# Steps (chosen to match how shops sell things, documented in the README):
#   no unit, pieces and every count unit (bottle, pack, tin, dozen, lb, oz...): 1
#   mass:   100 g below 1 kg, 500 g from 1 kg up (shown in kg from 1 kg: "1.5 kg")
#   volume: 250 ml below 1 l, 1 l from 1 l up (shown in l from 1 l: "2 l")
# "-" never goes below the smallest step (1, 100 g, 250 ml): at that point it is disabled.

_WORD_VALUES = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "a couple of": 2, "half": Fraction(1, 2),
    "half a": Fraction(1, 2), "half an": Fraction(1, 2),
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15,
    "veinte": 20, "un par de": 2, "medio": Fraction(1, 2), "media": Fraction(1, 2),
    "um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4, "sete": 7, "oito": 8,
    "nove": 9, "dez": 10, "onze": 11, "doze": 12, "quinze": 15, "vinte": 20,
    "um par de": 2, "meio": Fraction(1, 2), "meia": Fraction(1, 2),
}  # fmt: skip
_FRACTION_VALUES = {
    "½": Fraction(1, 2), "⅓": Fraction(1, 3), "⅔": Fraction(2, 3), "¼": Fraction(1, 4),
    "¾": Fraction(3, 4), "⅕": Fraction(1, 5), "⅖": Fraction(2, 5), "⅗": Fraction(3, 5),
    "⅘": Fraction(4, 5), "⅙": Fraction(1, 6), "⅚": Fraction(5, 6), "⅛": Fraction(1, 8),
    "⅜": Fraction(3, 8), "⅝": Fraction(5, 8), "⅞": Fraction(7, 8),
}  # fmt: skip
# Units measured, with their size in the dimension's base unit (g, ml).
_MASS = {"g": 1, "gr": 1, "grs": 1, "gram": 1, "grams": 1, "kg": 1000, "kgs": 1000,
         "kilo": 1000, "kilos": 1000, "kilogram": 1000, "kilograms": 1000,
         "gramo": 1, "gramos": 1, "kilogramo": 1000, "kilogramos": 1000,
         "grama": 1, "gramas": 1, "quilo": 1000, "quilos": 1000, "quilograma": 1000,
         "quilogramas": 1000}  # fmt: skip
_VOLUME = {"ml": 1, "cl": 10, "dl": 100, "l": 1000, "lt": 1000, "ltr": 1000, "ltrs": 1000,
           "liter": 1000, "liters": 1000, "litre": 1000, "litres": 1000,
           "litro": 1000, "litros": 1000, "mililitro": 1, "mililitros": 1}  # fmt: skip
# Count units: spellings of one unit share a key, so "2 pcs" + "1 piece" merge.
_COUNT_ALIASES = {
    "": "", "pc": "", "pcs": "", "piece": "", "pieces": "", "x": "",
    "pack": "pack", "packs": "pack", "packet": "pack", "packets": "pack", "pk": "pack",
    "pkt": "pack", "bottle": "bottle", "bottles": "bottle", "btl": "bottle",
    "can": "can", "cans": "can", "tin": "tin", "tins": "tin", "jar": "jar", "jars": "jar",
    "bag": "bag", "bags": "bag", "box": "box", "boxes": "box", "carton": "carton",
    "cartons": "carton", "dozen": "dozen", "doz": "dozen", "loaf": "loaf", "loaves": "loaf",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "oz": "oz", "ounce": "oz",
    "ounces": "oz", "bunch": "bunch", "bunches": "bunch", "head": "head", "heads": "head",
    "roll": "roll", "rolls": "roll", "tub": "tub", "tubs": "tub", "bar": "bar", "bars": "bar",
    # Spanish and Portuguese: keys in the language's own singular (see _PLURALS).
    "ud": "", "uds": "", "unidad": "", "unidades": "", "pieza": "", "piezas": "",
    "und": "", "unidade": "",
    "paquete": "paquete", "paquetes": "paquete", "bolsa": "bolsa", "bolsas": "bolsa",
    "botella": "botella", "botellas": "botella", "lata": "lata", "latas": "lata",
    "caja": "caja", "cajas": "caja", "bote": "bote", "botes": "bote",
    "docena": "docena", "docenas": "docena", "barra": "barra", "barras": "barra",
    "pacote": "pacote", "pacotes": "pacote", "saco": "saco", "sacos": "saco",
    "garrafa": "garrafa", "garrafas": "garrafa", "caixa": "caixa", "caixas": "caixa",
    "pote": "pote", "potes": "pote", "dúzia": "dúzia", "dúzias": "dúzia",
    "duzia": "dúzia", "duzias": "dúzia",
}  # fmt: skip
_PLURALS = {
    "pack": "packs", "bottle": "bottles", "can": "cans", "tin": "tins", "jar": "jars",
    "bag": "bags", "box": "boxes", "carton": "cartons", "loaf": "loaves", "bunch": "bunches",
    "head": "heads", "roll": "rolls", "tub": "tubs", "bar": "bars",
    "paquete": "paquetes", "bolsa": "bolsas", "botella": "botellas", "lata": "latas",
    "caja": "cajas", "bote": "botes", "docena": "docenas", "barra": "barras",
    "pacote": "pacotes", "saco": "sacos", "garrafa": "garrafas", "caixa": "caixas",
    "pote": "potes", "dúzia": "dúzias",
}  # fmt: skip
_AMOUNT_TEXT = re.compile(
    rf"^(?P<num>\d+\s+\d+/\d+|\d+/\d+|\d+(?:[.,]\d+)?\s*[{_FRACTIONS}]?|[{_FRACTIONS}]"
    rf"|{_NUMBER_WORDS})\s*(?P<unit>[^\W\d_]*)\.?$",
    re.IGNORECASE,
)
MASS, VOLUME, COUNT = "mass", "volume", "count"


@dataclass(frozen=True)
class Amount:
    """A quantity as a number of base units: grams, millilitres, or `unit`s counted.

    `unit` is the count unit's key ("" for plain pieces) or "g"/"ml" for measures;
    `display_unit` is how the text spelled it, kept when the result is shown.
    """

    value: Fraction
    dimension: str
    unit: str
    display_unit: str = ""


def _parse_number(raw: str) -> Fraction | None:
    raw = raw.strip().lower()
    if raw in _WORD_VALUES:
        return Fraction(_WORD_VALUES[raw])
    if raw in _FRACTION_VALUES:
        return _FRACTION_VALUES[raw]
    mixed = re.match(r"^(\d+)\s+(\d+)/(\d+)$", raw)
    if mixed:
        whole, num, den = (int(part) for part in mixed.groups())
        return Fraction(whole) + Fraction(num, den) if den else None
    simple = re.match(r"^(\d+)/(\d+)$", raw)
    if simple:
        num, den = (int(part) for part in simple.groups())
        return Fraction(num, den) if den else None
    glued = re.match(rf"^(\d+(?:[.,]\d+)?)\s*([{_FRACTIONS}])?$", raw)
    if glued:
        value = Fraction(glued[1].replace(",", "."))
        return value + _FRACTION_VALUES[glued[2]] if glued[2] else value
    return None


def parse_amount(text: str) -> Amount | None:
    """ "2" / "500 g" / "1,5 l" / "½ dozen" as an `Amount`; None for anything else.

    An empty quantity is one piece: "milk" on the list means one milk.
    """
    text = normalize_spaces(text)
    if not text:
        return Amount(value=Fraction(1), dimension=COUNT, unit="")
    match = _AMOUNT_TEXT.match(text)
    if not match:
        return None
    value = _parse_number(match["num"])
    unit = match["unit"].lower()
    if value is None or value <= 0:
        return None
    if unit in _MASS:
        return Amount(value=value * _MASS[unit], dimension=MASS, unit="g")
    if unit in _VOLUME:
        return Amount(value=value * _VOLUME[unit], dimension=VOLUME, unit="ml")
    if unit in _COUNT_ALIASES:
        return Amount(value=value, dimension=COUNT, unit=_COUNT_ALIASES[unit], display_unit=unit)
    return None


def _number(value: Fraction) -> str:
    """3 → "3", 3/2 → "1.5", 1/3 → "0.33" (two decimals at most, no trailing zeros)."""
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text


def format_amount(amount: Amount) -> str:
    """The text for an amount: mass and volume switch to kg / l from 1000 g / 1000 ml."""
    if amount.dimension == MASS:
        if amount.value >= 1000:
            return f"{_number(amount.value / 1000)} kg"
        return f"{_number(amount.value)} g"
    if amount.dimension == VOLUME:
        if amount.value >= 1000:
            return f"{_number(amount.value / 1000)} l"
        return f"{_number(amount.value)} ml"
    unit = amount.display_unit
    if unit in ("", "x"):
        return _number(amount.value)
    if unit in (amount.unit, _PLURALS.get(amount.unit)) and amount.unit in _PLURALS:
        # "1 bottle", "2 bottles": whole words agree with the number; "pcs" stays "pcs".
        unit = amount.unit if amount.value <= 1 else _PLURALS[amount.unit]
    return f"{_number(amount.value)} {unit}"


def merge_quantities(existing: str, added: str) -> str | None:
    """ "2" + "1" → "3"; "500 g" + "1 kg" → "1.5 kg"; None when they cannot be added.

    Units must be of one kind: grams with kilograms, litres with millilitres, and
    counts of the same thing ("2 bottles" + "1 bottle"; plain numbers with pieces).
    The existing item's spelling of the unit wins.
    """
    first, second = parse_amount(existing), parse_amount(added)
    if first is None or second is None:
        return None
    if (first.dimension, first.unit) != (second.dimension, second.unit):
        return None
    display = first.display_unit if normalize_spaces(existing) else second.display_unit
    return format_amount(
        Amount(
            value=first.value + second.value,
            dimension=first.dimension,
            unit=first.unit,
            display_unit=display,
        )
    )


def _step(amount: Amount, *, up: bool) -> Fraction:
    """The step from `amount` in one direction; the bigger step only above the threshold."""
    thresholds = {MASS: (1000, 100, 500), VOLUME: (1000, 250, 1000)}
    if amount.dimension not in thresholds:
        return Fraction(1)
    threshold, small, big = thresholds[amount.dimension]
    above = amount.value >= threshold if up else amount.value > threshold
    return Fraction(big if above else small)


def _smallest_step(amount: Amount) -> Fraction:
    return Fraction({MASS: 100, VOLUME: 250}.get(amount.dimension, 1))


@dataclass(frozen=True)
class QuantitySteps:
    """What the +/- buttons of an item do; `None` where a button is disabled."""

    up: str | None
    down: str | None


def quantity_steps(text: str) -> QuantitySteps:
    """The quantity text after one + and after one - (or None when not steppable)."""
    amount = parse_amount(text)
    if amount is None:
        return QuantitySteps(up=None, down=None)

    def moved(delta: Fraction) -> Amount:
        return Amount(
            value=amount.value + delta,
            dimension=amount.dimension,
            unit=amount.unit,
            display_unit=amount.display_unit,
        )

    up = format_amount(moved(_step(amount, up=True)))
    lower = amount.value - _step(amount, up=False)
    down = format_amount(moved(lower - amount.value)) if lower >= _smallest_step(amount) else None
    return QuantitySteps(up=up, down=down)

"""A built-in map from common grocery names to aisle categories.

`guess_category("cherry tomatoes")` finds "tomato" through its plural and its last word.
A family's own choice (CategoryPreference) always wins over this map; see
`lists.item_services.item_add`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import Category
from .quantity import normalize_spaces

# The built-in walking order through a shop, first aisle first.
DEFAULT_ORDER: tuple[str, ...] = tuple(Category.values)


def complete_order(order: Iterable[str]) -> list[str]:
    """`order` with unknown values dropped, duplicates removed and missing categories
    appended in the default order: always a permutation of every category."""
    seen: list[str] = []
    for value in order:
        if value in DEFAULT_ORDER and value not in seen:
            seen.append(value)
    return seen + [value for value in DEFAULT_ORDER if value not in seen]


_WORDS: dict[str, str] = {
    Category.PRODUCE: """
        apple apricot artichoke arugula asparagus aubergine avocado banana basil bean sprout
        beetroot beet bell pepper berry blackberry blueberry bok choy broccoli brussels sprout
        butternut squash cabbage cantaloupe carrot cauliflower celery chard cherry chili chilli
        chive clementine coriander corn on the cob courgette cranberry cress cucumber date
        dill eggplant endive fennel fig fruit garlic ginger grape grapefruit green bean
        herb kale kiwi leek lemon lemongrass lettuce lime mango melon mint mushroom nectarine
        okra onion orange parsley parsnip passion fruit pea peach pear pepper persimmon
        pineapple plum pomegranate potato pumpkin radish raspberry rhubarb rocket romaine
        rosemary salad scallion shallot spinach spring onion squash strawberry sweet potato
        swede tangerine thyme tomato turnip watercress watermelon yam zucchini vegetable veg
        sage cilantro jalapeno papaya lychee guava coconut mandarin satsuma
    """,
    Category.BAKERY: """
        bagel baguette bread brioche bun cake ciabatta cookie croissant crumpet cupcake
        doughnut donut english muffin flatbread focaccia loaf muffin naan pastry pita pitta
        roll rye bread sourdough tortilla wrap pie tart scone waffle pretzel sandwich bread
        hot dog bun burger bun cinnamon roll danish brownie
    """,
    Category.DAIRY: """
        butter buttermilk cheddar cheese cottage cheese cream cream cheese creme fraiche
        egg feta ghee gouda greek yogurt halloumi kefir margarine mascarpone milk
        mozzarella oat milk almond milk soy milk parmesan quark ricotta sour cream
        whipping cream yoghurt yogurt brie camembert custard double cream single cream
        skyr paneer emmental gruyere manchego
    """,
    Category.MEAT_FISH: """
        bacon beef brisket burger chicken chicken breast chicken thigh chorizo cod crab
        duck fish fillet ground beef ham hake lamb lamb chop mackerel meat meatball mince
        minced meat mussel pork pork chop prawn salami salmon sardine sausage scallop
        shrimp steak trout tuna steak turkey veal venison pancetta prosciutto pepperoni
        anchovy sea bass tilapia haddock octopus squid lobster oyster clam hot dog
        rib spare rib drumstick wing chicken wing
    """,
    Category.FROZEN: """
        ice cream frozen pea frozen peas frozen pizza fish finger fish stick ice cube
        ice lolly popsicle sorbet frozen vegetable frozen berry frozen fruit chip french fry
        fries hash brown frozen spinach gelato waffle fry frozen prawn frozen meal
    """,
    Category.PANTRY: """
        baking powder baking soda bean black bean breadcrumb broth brown sugar bouillon
        canned tomato cereal chickpea chocolate cocoa coconut milk cornflake couscous
        cracker crisp curry paste flour granola honey hummus jam jelly ketchup lentil
        maple syrup mayo mayonnaise muesli mustard noodle nut nutella oat oatmeal oil
        olive olive oil pasta peanut peanut butter pesto pickle popcorn porridge quinoa
        raisin rice salt soup soy sauce spaghetti spice stock sugar sunflower seed
        tinned tomato tomato paste tomato sauce vanilla vinegar walnut almond cashew
        yeast biscuit snack chip tortilla chip crisps pretzel lasagne macaroni penne
        tea bag cinnamon paprika cumin oregano pepper corn black pepper sesame seed
        chia seed flaxseed tahini salsa gravy stock cube baked bean tuna can canned tuna
        sweetcorn dried fruit date syrup agave cornstarch cornflour icing sugar
        chocolate chip candy sweet gum chewing gum marshmallow cookie dough protein bar
        cereal bar energy bar baby food
    """,
    Category.DRINKS: """
        apple juice beer cider coffee coke cola energy drink gin juice kombucha lemonade
        milkshake mineral water orange juice prosecco rum smoothie soda sparkling water
        spirit squash drink tea tonic tonic water vodka water whisky whiskey wine red wine
        white wine rose champagne espresso coffee bean ground coffee instant coffee
        iced tea sprite fanta pepsi seltzer cordial hot chocolate
    """,
    Category.HOUSEHOLD: """
        aluminium foil aluminum foil baking paper battery bin bag bleach candle cling film
        cleaner conditioner cotton bud cotton pad deodorant detergent dish soap dishwasher
        tablet dishwashing liquid floss foil garbage bag hand soap kitchen roll laundry
        detergent light bulb lightbulb mouthwash nappy diaper paper towel plaster
        razor sanitary pad shampoo shaving foam soap sponge tampon tissue toilet paper
        toilet roll toothbrush toothpaste trash bag washing powder washing up liquid
        wet wipe wipe fabric softener air freshener charcoal lighter match zip bag
        sandwich bag freezer bag bin liner cat food dog food cat litter pet food
        vitamin painkiller ibuprofen paracetamol sunscreen body wash lotion glove
    """,
}
_FROZEN_PREFIX = "frozen "

# Common Spanish and Portuguese names, single words (a Spanish name puts the noun first,
# "leche de soja": the first-word fallback below finds those). English wins a clash.
_WORDS_ES_PT: dict[str, str] = {
    Category.PRODUCE: """
        tomate lechuga cebolla ajo patata papa zanahoria pepino pimiento calabacín berenjena
        espinaca brócoli coliflor puerro apio manzana plátano naranja limón fresa uva pera
        melocotón piña sandía melón mandarina aguacate perejil cilantro champiñón seta fruta
        verdura calabaza judía
        alface cebola alho batata cenoura pepino pimentão abobrinha berinjela espinafre
        brócolis couve maçã banana laranja limão morango uva pera pêssego abacaxi melancia
        melão tangerina abacate salsinha coentro cogumelo legume mandioca chuchu
    """,
    Category.BAKERY: """
        pan barra baguette bollo magdalena croissant galleta tarta bizcocho tortilla
        pão bolo biscoito bolacha torrada rosca
    """,
    Category.DAIRY: """
        leche queso yogur mantequilla nata huevo requesón
        leite queijo iogurte manteiga creme ovo requeijão
    """,
    Category.MEAT_FISH: """
        pollo carne cerdo ternera jamón chorizo salchicha pescado salmón atún merluza gamba
        bacalao pavo cordero
        frango carne porco presunto linguiça salsicha peixe salmão atum camarão bacalhau
        peru
    """,
    Category.FROZEN: """
        helado congelado
        sorvete congelado
    """,
    Category.PANTRY: """
        arroz pasta harina azúcar sal aceite vinagre lenteja garbanzo alubia atún conserva
        cereal galleta chocolate café miel mermelada especia
        arroz macarrão farinha açúcar sal azeite óleo vinagre feijão lentilha grão
        cereal chocolate café mel geleia tempero
    """,
    Category.DRINKS: """
        agua zumo jugo refresco cerveza vino té
        água suco refrigerante cerveja vinho chá
    """,
    Category.HOUSEHOLD: """
        detergente lavavajillas jabón champú papel servilleta esponja lejía
        sabão sabonete xampu guardanapo esponja água-sanitária
    """,
}

_MAP: dict[str, str] = {}


def _phrases(text: str) -> list[str]:
    """Entries in the word blocks above: single words, and the phrases listed in _PHRASES."""
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for length in (3, 2):
            candidate = " ".join(words[i : i + length])
            if candidate in _PHRASES:
                out.append(candidate)
                i += length
                break
        else:
            out.append(words[i])
            i += 1
    return out


# Phrases of several words in the blocks above; anything else is read word by word.
_PHRASES = {
    "bean sprout", "bell pepper", "bok choy", "brussels sprout", "butternut squash",
    "corn on the", "green bean", "passion fruit", "spring onion", "sweet potato",
    "english muffin", "rye bread", "sandwich bread", "hot dog bun", "burger bun",
    "cinnamon roll", "cottage cheese", "cream cheese", "creme fraiche", "greek yogurt",
    "oat milk", "almond milk", "soy milk", "sour cream", "whipping cream", "double cream",
    "single cream", "chicken breast", "chicken thigh", "fish fillet", "ground beef",
    "lamb chop", "minced meat", "pork chop", "tuna steak", "sea bass", "hot dog",
    "spare rib", "chicken wing", "ice cream", "frozen pea", "frozen peas", "frozen pizza",
    "fish finger", "fish stick", "ice cube", "ice lolly", "frozen vegetable",
    "frozen berry", "frozen fruit", "french fry", "hash brown", "frozen spinach",
    "waffle fry", "frozen prawn", "frozen meal", "baking powder", "baking soda",
    "black bean", "brown sugar", "canned tomato", "coconut milk", "curry paste",
    "maple syrup", "olive oil", "peanut butter", "soy sauce", "sunflower seed",
    "tinned tomato", "tomato paste", "tomato sauce", "tortilla chip", "tea bag",
    "black pepper", "sesame seed", "chia seed", "stock cube", "baked bean", "tuna can",
    "canned tuna", "dried fruit", "date syrup", "icing sugar", "chocolate chip",
    "chewing gum", "cookie dough", "protein bar", "cereal bar", "energy bar", "baby food",
    "apple juice", "energy drink", "mineral water", "orange juice", "sparkling water",
    "tonic water", "red wine", "white wine", "coffee bean", "ground coffee",
    "instant coffee", "iced tea", "hot chocolate", "aluminium foil", "aluminum foil",
    "baking paper", "bin bag", "cling film", "cotton bud", "cotton pad", "dish soap",
    "dishwasher tablet", "dishwashing liquid", "garbage bag", "hand soap", "kitchen roll",
    "laundry detergent", "light bulb", "paper towel", "sanitary pad", "shaving foam",
    "toilet paper", "toilet roll", "trash bag", "washing powder", "washing up",
    "wet wipe", "fabric softener", "air freshener", "zip bag", "sandwich bag",
    "freezer bag", "bin liner", "cat food", "dog food", "cat litter", "pet food",
    "body wash", "corn on",
}  # fmt: skip

# Where a word sits in two blocks the first wins, except where a later block
# is more specific: these names are fixed here.
_OVERRIDES = {
    "pepper": Category.PRODUCE,
    "date": Category.PRODUCE,
    "squash": Category.PRODUCE,
    "chip": Category.PANTRY,
    "chips": Category.PANTRY,
    "washing up liquid": Category.HOUSEHOLD,
    "corn on the cob": Category.PRODUCE,
    "tea": Category.DRINKS,
    "coconut": Category.PRODUCE,
    "tuna": Category.MEAT_FISH,
    "cookie": Category.BAKERY,
    "pretzel": Category.PANTRY,
    "waffle": Category.FROZEN,
}

for _category, _words in _WORDS.items():
    for _name in _phrases(_words):
        _MAP.setdefault(_name, _category)
del _category, _words
_MAP.pop("corn on", None)
_MAP.pop("corn on the", None)
_MAP.pop("cob", None)
_MAP.update(_OVERRIDES)
for _category, _words in _WORDS_ES_PT.items():
    for _name in _words.split():
        _MAP.setdefault(_name, _category)
del _category, _words

_NON_WORD = re.compile(r"[^\w\s&'-]+")


def normalize_name(name: str) -> str:
    """The key under which names are compared: lower case, single spaces, no punctuation."""
    return normalize_spaces(_NON_WORD.sub(" ", name.casefold()))


def singular_forms(word: str) -> list[str]:
    """Plausible singulars of an English word, most likely first ("berries" -> "berry")."""
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("oes") or word.endswith("ches") or word.endswith("shes"):
        forms.append(word[:-2])
    if word.endswith("ves"):
        forms += [word[:-3] + "f", word[:-3] + "fe"]
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss"):
        forms.append(word[:-1])
    return forms


def _lookup(phrase: str) -> str | None:
    words = phrase.split(" ")
    head, last = words[:-1], words[-1]
    for form in singular_forms(last):
        category = _MAP.get(" ".join([*head, form]))
        if category:
            return category
    return None


def guess_category(name: str) -> str:
    """The aisle for a grocery name from the built-in map, or "other"."""
    key = normalize_name(name)
    if not key:
        return Category.OTHER
    words = key.split(" ")
    # Longest tail first: "chicken breast fillets" tries the whole, then "breast
    # fillets", then "fillets"; "frozen ..." goes to the freezer unless listed.
    for start in range(len(words)):
        category = _lookup(" ".join(words[start:]))
        if category:
            if words[0] == _FROZEN_PREFIX.strip() and start > 0:
                return Category.FROZEN
            return category
    if key.startswith(_FROZEN_PREFIX):
        return Category.FROZEN
    # "milk chocolate", "tomato soup": a known first word is a decent last resort.
    for end in range(len(words) - 1, 0, -1):
        category = _lookup(" ".join(words[:end]))
        if category:
            return category
    return Category.OTHER


def known_names() -> int:
    """How many names the built-in map knows (plurals not counted)."""
    return len(_MAP)

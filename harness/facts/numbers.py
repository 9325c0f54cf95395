"""Numbers and quantities in text: digits, number words (en/es/pl), scale words, units.

``find_quantities`` returns every number mention with its value, its unit (canonical name,
converted to the dimension's base unit on request) and whether it is hedged ("about 190").
Number words are parsed by a small additive/multiplicative grammar shared by the three languages:
word2number covers English only and cannot locate spans, so it does not fit here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.facts.text import fold

# --- number words -------------------------------------------------------------------------------

_EN_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen"
    " eighteen nineteen"
).split()
_EN_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_ES_UNITS = (
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis diecisiete"
    " dieciocho diecinueve"
).split()
_ES_TENS = "veinte treinta cuarenta cincuenta sesenta setenta ochenta noventa".split()
_ES_TWENTIES = (
    "veintiuno veintidós veintitrés veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve".split()
)
_ES_HUNDREDS = "doscientos trescientos cuatrocientos quinientos seiscientos setecientos ochocientos novecientos".split()
# Polish: nominative and the oblique (genitive/locative) forms used after prepositions and with nouns.
_PL_UNITS = [
    ("zero",),
    ("jeden", "jedna", "jedno", "jednego", "jednej"),
    ("dwa", "dwie", "dwóch", "dwu", "dwoma"),
    ("trzy", "trzech", "trzema"),
    ("cztery", "czterech", "czterema"),
    ("pięć", "pięciu"),
    ("sześć", "sześciu"),
    ("siedem", "siedmiu"),
    ("osiem", "ośmiu"),
    ("dziewięć", "dziewięciu"),
    ("dziesięć", "dziesięciu"),
    ("jedenaście", "jedenastu"),
    ("dwanaście", "dwunastu"),
    ("trzynaście", "trzynastu"),
    ("czternaście", "czternastu"),
    ("piętnaście", "piętnastu"),
    ("szesnaście", "szesnastu"),
    ("siedemnaście", "siedemnastu"),
    ("osiemnaście", "osiemnastu"),
    ("dziewiętnaście", "dziewiętnastu"),
]
_PL_TENS = [
    ("dwadzieścia", "dwudziestu"),
    ("trzydzieści", "trzydziestu"),
    ("czterdzieści", "czterdziestu"),
    ("pięćdziesiąt", "pięćdziesięciu"),
    ("sześćdziesiąt", "sześćdziesięciu"),
    ("siedemdziesiąt", "siedemdziesięciu"),
    ("osiemdziesiąt", "osiemdziesięciu"),
    ("dziewięćdziesiąt", "dziewięćdziesięciu"),
]
_PL_HUNDREDS = [
    ("sto", "stu"),
    ("dwieście", "dwustu"),
    ("trzysta", "trzystu"),
    ("czterysta", "czterystu"),
    ("pięćset", "pięciuset"),
    ("sześćset", "sześciuset"),
    ("siedemset", "siedmiuset"),
    ("osiemset", "ośmiuset"),
    ("dziewięćset", "dziewięciuset"),
]


def _small_words() -> dict[str, dict[str, float]]:
    en = {w: i for i, w in enumerate(_EN_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_EN_TENS)}
    en |= {"a": 1, "an": 1, "hundred": 100, "dozen": 12}
    es = {w: i for i, w in enumerate(_ES_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_ES_TENS)}
    es |= {w: 21 + i for i, w in enumerate(_ES_TWENTIES)} | {"un": 1, "una": 1, "veintiún": 21}
    es |= {"cien": 100, "ciento": 100} | {w: 200 + 100 * i for i, w in enumerate(_ES_HUNDREDS)}
    es |= {w.replace("ientos", "ientas"): 200 + 100 * i for i, w in enumerate(_ES_HUNDREDS)}
    pl: dict[str, float] = {"półtora": 1.5, "półtorej": 1.5}  # one and a half
    for value, forms in enumerate(_PL_UNITS):
        pl |= dict.fromkeys(forms, value)
    for i, forms in enumerate(_PL_TENS):
        pl |= dict.fromkeys(forms, 20 + 10 * i)
    for i, forms in enumerate(_PL_HUNDREDS):
        pl |= dict.fromkeys(forms, 100 + 100 * i)
    return {"en": dict[str, float](en), "es": dict[str, float](es), "pl": pl}


SMALL_WORDS = _small_words()
# Multipliers that close a group ("two hundred thousand").
SCALE_WORDS: dict[str, dict[str, float]] = {
    "en": {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6, "bn": 1e9},
    "es": {"mil": 1e3, "millón": 1e6, "millones": 1e6, "millon": 1e6, "mil millones": 1e9, "billón": 1e12},
    "pl": {
        "tysiąc": 1e3,
        "tysiące": 1e3,
        "tysięcy": 1e3,
        "tys": 1e3,
        "milion": 1e6,
        "miliony": 1e6,
        "milionów": 1e6,
        "mln": 1e6,
        "miliard": 1e9,
        "miliardy": 1e9,
        "miliardów": 1e9,
        "mld": 1e9,
    },
}
_CONNECTORS = {"en": {"and"}, "es": {"y"}, "pl": set()}
HEDGES: dict[str, tuple[str, ...]] = {
    "en": (
        "about",
        "around",
        "roughly",
        "approximately",
        "some",
        "nearly",
        "almost",
        "close to",
        "an estimated",
        "estimated",
        "approx",
        "circa",
        "more than",
        "over",
        "up to",
        "at least",
    ),
    "es": (
        "unos",
        "unas",
        "alrededor de",
        "aproximadamente",
        "cerca de",
        "casi",
        "más de",
        "hasta",
        "en torno a",
        "aprox",
    ),
    "pl": ("około", "ok", "blisko", "prawie", "niemal", "mniej więcej", "ponad", "przeszło", "nawet"),
}

# --- units ----------------------------------------------------------------------------------------

# canonical unit -> (dimension, factor to the dimension's base unit, surface forms in any language)
_UNITS: dict[str, tuple[str, float, tuple[str, ...]]] = {
    "kilogram": (
        "mass",
        1.0,
        (
            "kg",
            "kgs",
            "kilogram",
            "kilograms",
            "kilogramme",
            "kilogrammes",
            "kilo",
            "kilos",
            "kilogramo",
            "kilogramos",
            "kilogramy",
            "kilogramów",
            "kilogramach",
        ),
    ),
    "tonne": (
        "mass",
        1000.0,
        (
            "t",
            "tonne",
            "tonnes",
            "ton",
            "tons",
            "metric ton",
            "metric tons",
            "metric tonne",
            "metric tonnes",
            "tonelada",
            "toneladas",
            "toneladas métricas",
            "tona",
            "tony",
            "tonę",
            "tonach",
            "tonami",
        ),
    ),
    "gram": ("mass", 0.001, ("g", "gram", "grams", "gramo", "gramos", "gramy", "gramów")),
    "second": (
        "time",
        1 / 60,
        ("sec", "secs", "second", "seconds", "segundo", "segundos", "sekunda", "sekundy", "sekund"),
    ),
    "minute": (
        "time",
        1.0,
        ("min", "mins", "minute", "minutes", "minuto", "minutos", "minuta", "minuty", "minut", "minutach"),
    ),
    "hour": (
        "time",
        60.0,
        (
            "h",
            "hr",
            "hrs",
            "hour",
            "hours",
            "hora",
            "horas",
            "godzina",
            "godziny",
            "godzin",
            "godzinę",
            "godzinach",
            "godzinami",
        ),
    ),
    "day": ("time", 1440.0, ("day", "days", "día", "días", "dzień", "dni", "dnia")),
    "week": ("time", 10080.0, ("week", "weeks", "semana", "semanas", "tydzień", "tygodnie", "tygodni")),
    "kilometre": (
        "length",
        1000.0,
        (
            "km",
            "kilometre",
            "kilometres",
            "kilometer",
            "kilometers",
            "kilómetro",
            "kilómetros",
            "kilometr",
            "kilometry",
            "kilometrów",
        ),
    ),
    "metre": ("length", 1.0, ("m", "metre", "metres", "meter", "meters", "metro", "metros", "metr", "metry", "metrów")),
    "percent": ("ratio", 1.0, ("%", "percent", "per cent", "por ciento", "procent", "proc")),
}
_SURFACE_TO_UNIT: dict[str, str] = {form: unit for unit, (_, _, forms) in _UNITS.items() for form in forms}
_TOKEN_SPLIT = re.compile(r"\w+|%|[^\w\s]")


def canonical_unit(name: str) -> str | None:
    """Canonical unit name for a surface form ("tonnes" -> "tonne"), None when unknown."""
    return _SURFACE_TO_UNIT.get(name.strip().lower())


def unit_names() -> list[str]:
    """The canonical names of the units a quantity fact may have."""
    return sorted(_UNITS)


def dimension(unit: str) -> tuple[str, float]:
    """(dimension, factor to base unit); unknown units are their own dimension."""
    dim, factor, _ = _UNITS.get(unit, (unit, 1.0, ()))
    return dim, factor


@dataclass(frozen=True)
class Quantity:
    """A number mention: ``value`` as written (scale words applied), ``unit`` canonical or None."""

    value: float
    unit: str | None
    start: int
    end: int
    hedged: bool
    written_as_words: bool

    def in_base_unit(self) -> float:
        return self.value * dimension(self.unit)[1] if self.unit else self.value


# --- parsing --------------------------------------------------------------------------------------

_DIGITS_EN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+(?:,\d+)?"
_DIGITS_EU = r"\d{1,3}(?:[.\u00a0 ]\d{3})+(?:,\d+)?|\d+,\d+|\d+(?:\.\d+)?"


def _parse_digits(text: str, lang: str) -> float:
    """Digits with thousands separators and decimal point/comma, by language convention."""
    text = text.replace("\u00a0", " ")
    if lang == "en":
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", text):
            return float(text.replace(",", ""))
        return float(text.replace(",", "."))  # "2,5": a decimal comma
    if re.fullmatch(r"\d{1,3}(?:[. ]\d{3})+(?:,\d+)?", text):
        return float(text.replace(".", "").replace(" ", "").replace(",", "."))
    return float(text.replace(",", "."))


def _words_pattern(lang: str) -> re.Pattern[str]:
    words = sorted(set(SMALL_WORDS[lang]) | set(SCALE_WORDS[lang]) | _CONNECTORS[lang], key=len, reverse=True)
    alt = "|".join(re.escape(w) for w in words if len(w) > 1 or w == "a")
    return re.compile(rf"(?<!\w)(?:{alt})(?:[\s-]+(?:{alt}))*(?!\w)", re.IGNORECASE)


_WORD_PATTERNS = {lang: _words_pattern(lang) for lang in SMALL_WORDS}


def _parse_number_words(words: list[str], lang: str) -> float | None:
    """Value of a run of number words, or None when the run holds no number ("a", "and")."""
    small, scales = SMALL_WORDS[lang], SCALE_WORDS[lang]
    total, group, seen = 0.0, 0.0, False
    for w in words:
        if w in _CONNECTORS[lang]:
            continue
        if w == "hundred" and lang == "en":
            group = (group or 1) * 100
        elif w in scales:
            total += (group or 1) * scales[w]
            group = 0
        elif w in small:
            if w not in ("a", "an", "un", "una"):
                seen = True
            group += small[w]
        else:
            return None
        seen = seen or w in scales or w == "hundred"
    return total + group if seen else None


def _number_spans(text: str, lang: str) -> list[tuple[int, int, float, bool]]:
    """(start, end, value, written_as_words) for digit numbers (with scale words) and word numbers."""
    found: list[tuple[int, int, float, bool]] = []
    digits = _DIGITS_EN if lang == "en" else _DIGITS_EU
    scale_alt = "|".join(re.escape(w) for w in sorted(SCALE_WORDS[lang], key=len, reverse=True))
    for m in re.finditer(rf"(?<![\w.,])({digits})(?:\s*({scale_alt})\b\.?)?", text, re.IGNORECASE):
        value = _parse_digits(m.group(1), lang)
        if m.group(2):
            value *= SCALE_WORDS[lang][m.group(2).lower()]
        found.append((m.start(), m.end(), value, False))
    taken = [(s, e) for s, e, _, _ in found]
    for m in _WORD_PATTERNS[lang].finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        # Trim leading/trailing connectors and articles so the span is the number itself.
        parts = [(p.group().lower(), p.start(), p.end()) for p in re.finditer(r"[^\s-]+", m.group())]
        while parts and parts[-1][0] in _CONNECTORS[lang] | {"a", "an", "un", "una"}:
            parts.pop()
        while parts and parts[0][0] in _CONNECTORS[lang]:
            parts.pop(0)
        words_value = _parse_number_words([p[0] for p in parts], lang) if parts else None
        if words_value is not None:
            found.append((m.start() + parts[0][1], m.start() + parts[-1][2], words_value, True))
    return sorted(found)


def _unit_after(text: str, pos: int) -> tuple[str | None, int]:
    """Unit right after a number ("190 tonnes", "190-tonne", "190t", "2 metric tons")."""
    m = re.match(r"[\s-]?(%|[^\W\d_]+(?:\s+(?:[^\W\d_]+|cent|ciento))?)", text[pos:])
    if not m:
        return None, pos
    phrase = m.group(1).lower()
    two_words = canonical_unit(phrase)
    if two_words:
        return two_words, pos + m.end()
    first = re.match(r"%|[^\W\d_]+", phrase)
    if first and canonical_unit(first.group()):
        return canonical_unit(first.group()), pos + m.start(1) + first.end()
    return None, pos


def _hedged_before(text: str, start: int, lang: str) -> bool:
    before = fold(text[max(0, start - 30) : start]).rstrip()
    return any(re.search(rf"(?<!\w){re.escape(h)}\.?$", before) for h in HEDGES.get(lang, HEDGES["en"]))


# "and a half" after a number or its unit ("two and a half hours", "an hour and a half", "dos horas y
# media", "dwie i pół godziny"); a unit with it and no number before it is one unit ("hora y media").
_HALF = {"en": r"and\s+a\s+half", "es": r"y\s+medi[ao]", "pl": r"i\s+pół"}
_ONE = {"en": r"(?:an?|one)\s+", "es": r"(?:una?)\s+", "pl": r""}


def _half_after(text: str, pos: int, lang: str) -> int | None:
    m = re.match(rf"\s+{_HALF[lang]}(?!\w)", text[pos:], re.IGNORECASE)
    return pos + m.end() if m else None


def find_quantities(text: str, lang: str = "en") -> list[Quantity]:
    """Every number mention in ``text`` with its unit (if any) and hedge."""
    lang = lang if lang in SMALL_WORDS else "en"
    out: list[Quantity] = []
    for start, end, value, as_words in _number_spans(text, lang):
        half = _half_after(text, end, lang)  # "two and a half hours"
        unit, unit_end = _unit_after(text, half or end)
        if half is not None and unit is None:
            unit_end = end
        elif half is None and unit is not None and (after := _half_after(text, unit_end, lang)) is not None:
            half, unit_end = after, after  # "dos horas y media"
        value += 0.5 if half is not None and unit is not None else 0.0
        out.append(Quantity(value, unit, start, unit_end, _hedged_before(text, start, lang), as_words))
    units = "|".join(re.escape(f) for f in sorted(_SURFACE_TO_UNIT, key=len, reverse=True) if len(f) > 2)
    for m in re.finditer(rf"(?<!\w)(?:{_ONE[lang]})?({units})\s+{_HALF[lang]}(?!\w)", text, re.IGNORECASE):
        if not any(q.start < m.end() and m.start() < q.end for q in out):  # "an hour and a half"
            unit = canonical_unit(m.group(1))
            out.append(Quantity(1.5, unit, m.start(), m.end(), _hedged_before(text, m.start(), lang), True))
    return sorted(out, key=lambda q: q.start)


def quantities_match(a: float, b: float, tolerance: float = 1e-9) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b)) or a == b

"""Per-language word lists of the key-fact checker, kept in one place: how en, es and pl negate, deny,
weaken, attribute and date things relative to another date.

Each table maps a language code to its words or phrases (matched whole-word, case-folded); a language
without an entry falls back to ``en`` where the caller says so.
"""

from __future__ import annotations

# --- polarity of clauses (harness.facts.clauses) ---------------------------------------------------

NEGATORS: dict[str, frozenset[str]] = {
    "en": frozenset("not no never without neither nor none cannot n't".split()),
    "es": frozenset("no nunca sin ni ningún ninguna ninguno tampoco jamás".split()),
    "pl": frozenset("nie bez ani żaden żadna żadne żadnego żadnej żadnych żadnym nigdy brak".split()),
}
# Words after a negator that make it no negation ("not only", "no solo", "nie tylko").
NOT_NEGATED = frozenset("only just merely solo sólo solamente tylko".split())
DENIALS: dict[str, tuple[str, ...]] = {
    "en": (
        "rule out",
        "ruled out",
        "rules out",
        "ruling out",
        "rule it out",
        "ruled it out",
        "rules it out",
        "exclude",
        "excluded",
        "excludes",
        "excluding",
        "reject",
        "rejected",
        "rejects",
        "deny",
        "denied",
        "denies",
        "refuse",
        "refused",
        "refuses",
        "lacks",
        "omits",
        "omitted",
        "scrapped",
        "abandoned",
        "dropped",
        "declined to",
        "declines to",
        "stopped short of",
        "stops short of",
        "stopping short of",
        "off the table",
        "out of the question",
    ),
    "es": (
        "descarta",
        "descartó",
        "descartan",
        "descartaron",
        "descartar",
        "descartando",
        "descartarlo",
        "excluye",
        "excluyó",
        "excluyen",
        "excluyeron",
        "excluir",
        "excluyendo",
        "rechaza",
        "rechazó",
        "rechazan",
        "rechazaron",
        "niega",
        "negó",
        "niegan",
        "negaron",
        "carece",
        "omite",
        "omitió",
        "descartada",
        "descartado",
        "excluida",
        "excluido",
    ),
    "pl": (
        "wyklucza",
        "wykluczył",
        "wykluczyła",
        "wykluczyli",
        "wykluczyły",
        "wykluczyć",
        "wykluczając",
        "wykluczono",
        "wykluczają",
        "odrzuca",
        "odrzucił",
        "odrzuciła",
        "odrzuciły",
        "odrzucili",
        "zaprzecza",
        "zaprzeczył",
        "zaprzeczyła",
        "zaprzeczyły",
        "pomija",
        "pominięto",
        "wykluczona",
        "wykluczone",
        "wykluczony",
    ),
}
# Words that weaken a clause into something it does not hold: a treaty whose parties "would only hold
# talks" or that is "non-binding" or "symbolic" commits nobody. They read like a negator (one flip with
# the part's negators, not one each); after a negator they weaken nothing ("not only", "nie tylko").
WEAKENERS: dict[str, tuple[str, ...]] = {
    "en": (
        "only",
        "merely",
        "solely",
        "memorandum",
        "memoranda",
        "memorandums",
        "intention",
        "intentions",
        "declaration of intent",
        "letter of intent",
        "non-binding",
        "nonbinding",
        "symbolic",
        "symbolically",
    ),
    "es": (
        "solo",
        "sólo",
        "solamente",
        "únicamente",
        "meramente",
        "memorando",
        "memorándum",
        "intenciones",
        "intención",
        "no vinculante",
        "simbólico",
        "simbólica",
        "simbólicos",
        "simbólicas",
    ),
    "pl": (
        "tylko",
        "jedynie",
        "wyłącznie",
        "memorandum",
        "intencyjne",
        "intencyjny",
        "intencji",
        "niewiążąca",
        "niewiążące",
        "niewiążący",
        "niewiążącą",
        "symboliczny",
        "symboliczne",
        "symboliczna",
        "symboliczną",
        "symbolicznie",
    ),
}
# Weakening actions: talking, consulting or considering in place of the clause's own action ("pledge to
# consult each other if attacked", "se comprometen a consultarse"). They weaken like ``WEAKENERS`` and,
# standing for the action, count as one of the clause's keyword groups.
WEAKENED_ACTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "hold talks",
        "holding talks",
        "consultations",
        "consult",
        "consider",
        "considering",
        "discuss",
        "discussing",
    ),
    "es": ("consultas", "consultarse", "consultar", "considerar", "estudiar", "debatir"),
    "pl": ("konsultacje", "konsultacji", "konsultować", "konsultowania", "rozważyć", "rozważą"),
}


# --- dates relative to another date (harness.facts.dates) --------------------------------------------

# A count of days or weeks: the number words a relative date uses ("two days later", "dos días después",
# "dwa dni później"); digits are read as they are.
OFFSET_COUNTS: dict[str, dict[str, int]] = {
    "en": {
        "a": 1,
        "an": 1,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
    },
    "es": {
        "un": 1,
        "una": 1,
        "dos": 2,
        "tres": 3,
        "cuatro": 4,
        "cinco": 5,
        "seis": 6,
        "siete": 7,
        "ocho": 8,
        "nueve": 9,
        "diez": 10,
        "once": 11,
        "doce": 12,
    },
    "pl": {
        "dwa": 2,
        "dwie": 2,
        "trzy": 3,
        "cztery": 4,
        "pięć": 5,
        "sześć": 6,
        "siedem": 7,
        "osiem": 8,
        "dziewięć": 9,
        "dziesięć": 10,
        "jedenaście": 11,
        "dwanaście": 12,
        "dwóch": 2,
        "trzech": 3,
    },
}
# Hour/day/week/month/year words of a counted offset (hours count only in whole days; months and years
# are counted apart: 30 or 365 days would drift).
OFFSET_UNITS: dict[str, dict[str, str]] = {
    "en": {
        "hour": "hour",
        "hours": "hour",
        "day": "day",
        "days": "day",
        "week": "week",
        "weeks": "week",
        "month": "month",
        "months": "month",
        "year": "year",
        "years": "year",
    },
    "es": {
        "hora": "hour",
        "horas": "hour",
        "día": "day",
        "días": "day",
        "semana": "week",
        "semanas": "week",
        "mes": "month",
        "meses": "month",
        "año": "year",
        "años": "year",
    },
    "pl": {
        "godzinę": "hour",
        "godziny": "hour",
        "godzin": "hour",
        "dzień": "day",
        "dni": "day",
        "tydzień": "week",
        "tygodnie": "week",
        "tygodni": "week",
        "miesiąc": "month",
        "miesiące": "month",
        "miesięcy": "month",
        "rok": "year",
        "lata": "year",
        "lat": "year",
    },
}
# Direction words after the count: -1 earlier, +1 later. Prepositional ones ("before X", "antes de X",
# "przed X") take the date of X when X holds one, the dateline when X is the article itself.
OFFSET_DIRECTIONS: dict[str, dict[str, int]] = {
    "en": {"earlier": -1, "later": 1, "before": -1, "after": 1, "previously": -1, "afterwards": 1, "ago": -1},
    "es": {"antes": -1, "después": 1, "más tarde": 1, "atrás": -1},
    "pl": {"wcześniej": -1, "później": 1, "przed": -1, "po": 1, "temu": -1},
}
# Direction words before the count ("hace dos años"): they count back from the dateline.
OFFSET_PREFIXES: dict[str, dict[str, int]] = {"en": {}, "es": {"hace": -1}, "pl": {}}
# Fixed phrases: phrase -> offset in days from the date before them (or the dateline).
RELATIVE_DAYS: dict[str, dict[str, int]] = {
    "en": {
        "the previous day": -1,
        "the day before": -1,
        "the next day": 1,
        "the following day": 1,
        "the day after": 1,
        "later that day": 0,
        "earlier that day": 0,
        "the same day": 0,
        "that same day": 0,
        "the eve of": -1,
    },
    "es": {
        "el día anterior": -1,
        "al día siguiente": 1,
        "el día siguiente": 1,
        "ese mismo día": 0,
        "el mismo día": 0,
        "la víspera": -1,
        "en vísperas": -1,
    },
    "pl": {
        "poprzedniego dnia": -1,
        "dzień wcześniej": -1,
        "następnego dnia": 1,
        "nazajutrz": 1,
        "dzień później": 1,
        "tego samego dnia": 0,
        "tego dnia": 0,
        "w przeddzień": -1,
        "w wigilię": -1,
    },
}
# Words that name the article itself: a date beside them is its dateline ("the report, dated 20 June"),
# and "a day before the report" counts from the dateline.
ARTICLE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("report", "article", "story", "dated", "published", "publication", "dateline"),
    "es": ("noticia", "artículo", "informe", "fechada", "fechado", "publicada", "publicado", "publicación"),
    "pl": (
        "artykuł",
        "artykułu",
        "artykule",
        "raport",
        "raportu",
        "publikacji",
        "publikacją",
        "opublikowany",
        "tekst",
        "tekstu",
    ),
}
# Prepositions that open a phrase about an earlier or later event ("after signing the pact", "tras
# firmar", "po podpisaniu"): a date or place outside it is not tied to that event's words.
EVENT_PREPOSITIONS: dict[str, tuple[str, ...]] = {
    "en": ("after", "before", "following"),
    "es": ("tras", "después de", "antes de"),
    "pl": ("po", "przed"),
}

# Words that open a complement clause ("informó el jueves de que firmaron", "poinformowała w czwartek, że
# podpisali"): what is said is another event than the saying, so a date or place does not cross them.
# English needs no list: its dependency parse tells the saying verb (``harness.facts.syntax``).
COMPLEMENTIZERS: dict[str, tuple[str, ...]] = {"en": (), "es": ("que",), "pl": ("że", "iż")}

# Lemmas of English verbs of saying and publishing: a date they govern dates the report ("reported on
# Thursday that they had signed"), not the event reported (``harness.facts.syntax``).
REPORTING_VERBS = frozenset(
    "say report confirm announce publish release reveal disclose unveil state tell claim write broadcast air"
    " print post declare note quote cite".split()
)

# --- who says so (harness.facts.checker) -------------------------------------------------------------

# Phrases that credit what follows to a source named right after them ("according to Seoul's defence
# ministry, ...").
ATTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "en": ("according to",),
    "es": ("según", "de acuerdo con"),
    "pl": ("według", "zdaniem", "jak podaje", "jak podało"),
}
# Words that end the subject before a verb of saying ("..., but Seoul's defence ministry estimated").
CLAUSE_OPENERS: dict[str, tuple[str, ...]] = {
    "en": ("but", "and", "that", "which", "while", "as"),
    "es": ("pero", "y", "que", "mientras"),
    "pl": ("ale", "a", "i", "że", "który", "która", "które"),
}
# Pronouns that open a relative clause after a comma (", which deny any arms transfers,"): an aside
# about its own matter.
RELATIVE_PRONOUNS: dict[str, tuple[str, ...]] = {
    "en": ("which", "who", "whom", "whose"),
    "es": ("que", "quien", "quienes", "cuyo", "cuya"),
    "pl": ("który", "która", "które", "którzy", "którego", "której", "których", "którym"),
}

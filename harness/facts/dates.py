"""Date mentions in en/es/pl text, normalised to partial dates and anchored to a dateline.

Rule-based on purpose: dateparser's ``search_dates`` was tried and grabs neighbouring words into
spans ("miércoles 19 de junio de 2024 y"), misses inflected Polish months ("20 czerwca") and
resolves weekdays by its own preference; here a weekday resolves to the most recent such day on
or before the dateline, the way news copy uses it ("signed on Wednesday" in a Thursday article).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from harness.facts.lexicon import (
    ARTICLE_WORDS,
    OFFSET_COUNTS,
    OFFSET_DIRECTIONS,
    OFFSET_PREFIXES,
    OFFSET_UNITS,
    RELATIVE_DAYS,
)
from harness.facts.text import fold, sentence_spans


@dataclass(frozen=True)
class PartialDate:
    """A day, a month or a year; missing parts are None. ``weekday`` (0=Monday) alone is allowed
    for an unanchored weekday mention."""

    year: int | None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None

    def is_valid(self) -> bool:
        if self.month is not None and not 1 <= self.month <= 12:
            return False
        if self.day is not None:
            if self.month is None:
                return False
            last = calendar.monthrange(self.year or 2000, self.month)[1]  # 2000: a leap year
            return 1 <= self.day <= last
        return True

    @property
    def precision(self) -> int:
        """3 for a day, 2 for a month, 1 for a year (or a bare weekday), 0 for nothing."""
        if self.day is not None:
            return 3
        if self.month is not None:
            return 2
        return 1 if self.year is not None or self.weekday is not None else 0

    def day_of_week(self) -> int | None:
        if self.weekday is not None:
            return self.weekday
        if self.year and self.month and self.day:
            return date(self.year, self.month, self.day).weekday()
        return None

    def conflicts_with(self, other: PartialDate) -> bool:
        """True when a part known in both differs (weekday included)."""
        pairs = ((self.year, other.year), (self.month, other.month), (self.day, other.day))
        if any(a is not None and b is not None and a != b for a, b in pairs):
            return True
        wa, wb = self.day_of_week(), other.day_of_week()
        return wa is not None and wb is not None and wa != wb

    def covers(self, fact: PartialDate) -> bool:
        """Whether this mention states ``fact`` at the fact's precision without conflict.

        A bare weekday states a day (its weekday was checked by ``conflicts_with``).
        """
        if self.conflicts_with(fact):
            return False
        if fact.day is not None:
            return self.day is not None or (self.weekday is not None and self.month is None)
        if fact.month is not None:
            return self.month is not None
        return self.year is not None

    def __str__(self) -> str:
        parts = [f"{self.year:04d}" if self.year else "????"]
        if self.month:
            parts.append(f"{self.month:02d}")
        if self.day:
            parts.append(f"{self.day:02d}")
        text = "-".join(parts)
        return text if self.weekday is None else f"{text} ({calendar.day_name[self.weekday]})"


@dataclass(frozen=True)
class DateMention:
    value: PartialDate
    start: int
    end: int
    relative: bool  # resolved against the dateline (weekday, "last year", a month without a year)
    anchored_day: bool = False  # the day itself came from the dateline ("today", "Wednesday")
    counted: bool = False  # counted from another date or the dateline ("two days later")
    # The span of the date it is counted from, if any (none: the dateline).
    anchor: tuple[int, int] | None = None
    # A date derived for another event ("two years after the invasion"): the span from "after" to the
    # end of the phrase naming that event.
    about: tuple[int, int] | None = None
    # The output's own dateline ("SEOUL, June 21 (Reuters) -"): the anchor of its relative dates, no event's.
    dateline: bool = False


_MONTHS: dict[str, list[tuple[str, ...]]] = {
    "en": [
        ("january", "jan"),
        ("february", "feb"),
        ("march", "mar"),
        ("april", "apr"),
        ("may",),
        ("june", "jun"),
        ("july", "jul"),
        ("august", "aug"),
        ("september", "sep", "sept"),
        ("october", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ],
    "es": [
        ("enero",),
        ("febrero",),
        ("marzo",),
        ("abril",),
        ("mayo",),
        ("junio",),
        ("julio",),
        ("agosto",),
        ("septiembre", "setiembre"),
        ("octubre",),
        ("noviembre",),
        ("diciembre",),
    ],
    # Polish: nominative, genitive (with a day: "19 czerwca") and locative ("w czerwcu").
    "pl": [
        ("styczeń", "stycznia", "styczniu"),
        ("luty", "lutego", "lutym"),
        ("marzec", "marca", "marcu"),
        ("kwiecień", "kwietnia", "kwietniu"),
        ("maj", "maja", "maju"),
        ("czerwiec", "czerwca", "czerwcu"),
        ("lipiec", "lipca", "lipcu"),
        ("sierpień", "sierpnia", "sierpniu"),
        ("wrzesień", "września", "wrześniu"),
        ("październik", "października", "październiku"),
        ("listopad", "listopada", "listopadzie"),
        ("grudzień", "grudnia", "grudniu"),
    ],
}
_WEEKDAYS: dict[str, list[tuple[str, ...]]] = {
    "en": [("monday",), ("tuesday",), ("wednesday",), ("thursday",), ("friday",), ("saturday",), ("sunday",)],
    "es": [
        ("lunes",),
        ("martes",),
        ("miércoles", "miercoles"),
        ("jueves",),
        ("viernes",),
        ("sábado", "sabado"),
        ("domingo",),
    ],
    "pl": [
        ("poniedziałek", "poniedziałku"),
        ("wtorek", "wtorku"),
        ("środa", "środę", "środy", "środzie"),
        ("czwartek", "czwartku"),
        ("piątek", "piątku"),
        ("sobota", "sobotę", "soboty", "sobocie"),
        ("niedziela", "niedzielę", "niedzieli"),
    ],
}
# Relative expressions: (unit, offset) from the dateline.
_RELATIVE: dict[str, dict[str, tuple[str, int]]] = {
    "en": {
        "today": ("day", 0),
        "yesterday": ("day", -1),
        "tomorrow": ("day", 1),
        "this year": ("year", 0),
        "last year": ("year", -1),
        "next year": ("year", 1),
        "this month": ("month", 0),
        "last month": ("month", -1),
        "next month": ("month", 1),
    },
    "es": {
        "hoy": ("day", 0),
        "ayer": ("day", -1),
        "mañana": ("day", 1),
        "este año": ("year", 0),
        "el año pasado": ("year", -1),
        "el próximo año": ("year", 1),
        "el año que viene": ("year", 1),
        "este mes": ("month", 0),
        "el mes pasado": ("month", -1),
        "el próximo mes": ("month", 1),
    },
    "pl": {
        "dziś": ("day", 0),
        "dzisiaj": ("day", 0),
        "wczoraj": ("day", -1),
        "jutro": ("day", 1),
        "w tym roku": ("year", 0),
        "tego roku": ("year", 0),
        "w ubiegłym roku": ("year", -1),
        "w zeszłym roku": ("year", -1),
        "ubiegłego roku": ("year", -1),
        "zeszłego roku": ("year", -1),
        "w przyszłym roku": ("year", 1),
        "w tym miesiącu": ("month", 0),
        "w ubiegłym miesiącu": ("month", -1),
        "w zeszłym miesiącu": ("month", -1),
    },
}


def _alternation(words: list[tuple[str, ...]]) -> tuple[str, dict[str, int]]:
    index = {form: i + 1 for i, forms in enumerate(words) for form in forms}
    alt = "|".join(re.escape(f) for f in sorted(index, key=len, reverse=True))
    return alt, index


def _patterns(lang: str) -> list[tuple[str, re.Pattern[str]]]:
    months, _ = _alternation(_MONTHS[lang])
    day = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
    year = r"(?P<y>(?:1[89]|20)\d\d)"
    suffix = {"en": "", "es": "", "pl": r"(?:\s*r\.)?"}[lang]
    of = {"en": r"(?:\s+of)?", "es": r"\s+de", "pl": ""}[lang]
    year_of = {"en": r",?\s+", "es": r"\s+(?:de|del)\s+", "pl": r"\s+"}[lang]
    m = rf"(?P<m>{months})"
    pats = [
        ("iso", r"(?P<y>\d{4})-(?P<m>\d{2})(?:-(?P<d>\d{2}))?"),
        ("numeric", r"(?P<d>[0-3]?\d)[./](?P<m>[01]?\d)[./](?P<y>\d{4})"),
        ("dmy", rf"{day}{of}\s+{m}(?:{year_of}{year}{suffix})?"),
    ]
    if lang == "en":
        pats.append(("mdy", rf"{m}\s+{day}(?:,?\s+{year})?"))
    pats += [
        ("my", rf"{m}(?:{year_of}{year}{suffix})?"),
        ("y", rf"{year}{suffix}"),
    ]
    return [(name, re.compile(rf"(?<![\w-]){p}(?![\w-])", re.IGNORECASE)) for name, p in pats]


_PATTERNS = {lang: _patterns(lang) for lang in _MONTHS}
RULE_LANGS: frozenset[str] = frozenset(_MONTHS)  # the languages the fact rules know
_MONTH_INDEX = {lang: _alternation(forms)[1] for lang, forms in _MONTHS.items()}
_WEEKDAY_RE = {
    lang: (re.compile(rf"(?<!\w)(?:{_alternation(forms)[0]})(?!\w)", re.IGNORECASE), _alternation(forms)[1])
    for lang, forms in _WEEKDAYS.items()
}
_RELATIVE_RE = {
    lang: re.compile(
        rf"(?<!\w)(?:{'|'.join(re.escape(k) for k in sorted(rel, key=len, reverse=True))})(?!\w)", re.IGNORECASE
    )
    for lang, rel in _RELATIVE.items()
}


_MONTH_YEAR_GLUE = re.compile(r"\s*(?:,|of|de|del)?\s*", re.IGNORECASE)


def _as_date(anchor: datetime | date | None) -> date | None:
    return anchor.date() if isinstance(anchor, datetime) else anchor


def _shift_month(d: date, months: int) -> tuple[int, int]:
    total = d.year * 12 + d.month - 1 + months
    return total // 12, total % 12 + 1


def _resolve_relative(kind: str, offset: int, anchor: date) -> PartialDate:
    if kind == "day":
        d = anchor + timedelta(days=offset)
        return PartialDate(d.year, d.month, d.day)
    if kind == "month":
        return PartialDate(*_shift_month(anchor, offset))
    return PartialDate(anchor.year + offset)


def last_weekday(weekday: int, anchor: date) -> date:
    """The day of ``weekday`` (0=Monday) on or before ``anchor``: what a bare weekday in news copy means."""
    return anchor - timedelta(days=(anchor.weekday() - weekday) % 7)


def find_dates(
    text: str, anchor: datetime | date | None = None, lang: str = "en", *, counted: bool = False
) -> list[DateMention]:
    """Date mentions in ``text``, longest match first, with relative ones resolved against ``anchor``;
    with ``counted`` also the dates counted from another ("a day earlier", see ``_counted_dates``).

    A month or day without a year takes the year stated elsewhere in its sentence, else the
    dateline's (the most recent such month not after the dateline); a weekday next to an explicit
    date merges with it.
    """
    lang = lang if lang in _MONTHS else "en"
    anchor_day = _as_date(anchor)
    found: list[DateMention] = []

    def free(start: int, end: int) -> bool:
        return not any(m.start < end and start < m.end for m in found)

    for name, pattern in _PATTERNS[lang]:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            groups = m.groupdict()
            if name == "my" and fold(groups["m"]) == "may" and lang == "en" and not groups.get("y"):
                continue  # the modal verb
            if name == "my" and fold(groups["m"]) in ("mar", "jan", "dec", "sep") and not groups.get("y"):
                continue  # too ambiguous as bare words
            month_text = groups.get("m")
            month = (
                int(month_text)
                if month_text and month_text.isdigit()
                else (_MONTH_INDEX[lang].get(fold(month_text)) if month_text else None)
            )
            value = PartialDate(
                int(groups["y"]) if groups.get("y") else None,
                month,
                int(groups["d"]) if groups.get("d") else None,
            )
            if value.is_valid():
                found.append(DateMention(value, m.start(), m.end(), relative=value.year is None))
    line = _dateline(text, found, lang, anchor_day)
    if line is not None:
        found = [d for d in found if d.end <= line.start or d.start >= line.end] + [line]
        anchor_day = _day_of(line.value) or anchor_day
    weekday_re, weekday_index = _WEEKDAY_RE[lang]
    for m in weekday_re.finditer(text):
        weekday = weekday_index[fold(m.group())] - 1
        # Merge with an explicit date right after ("Wednesday, 19 June 2024", "miércoles 19 de junio").
        nxt = next(
            (d for d in found if 0 <= d.start - m.end() <= 3 and text[m.end() : d.start].strip(" ,") == ""), None
        )
        if nxt is not None:
            found.remove(nxt)
            found.append(DateMention(nxt.value, m.start(), nxt.end, nxt.relative))
            continue
        value = PartialDate(None, weekday=weekday)
        if anchor_day is not None:
            d = last_weekday(weekday, anchor_day)
            value = PartialDate(d.year, d.month, d.day)
        found.append(DateMention(value, m.start(), m.end(), relative=True, anchored_day=True))
    if anchor_day is not None:
        for m in _RELATIVE_RE[lang].finditer(text):
            if free(m.start(), m.end()):
                kind, offset = _RELATIVE[lang][fold(m.group())]
                value = _resolve_relative(kind, offset, anchor_day)
                # A month right before a relative year is one date: "February this year",
                # "febrero de este año", "lutego tego roku".
                before = next(
                    (
                        d
                        for d in found
                        if d.value.year is None
                        and d.value.month is not None
                        and d.end <= m.start()
                        and _MONTH_YEAR_GLUE.fullmatch(text[d.end : m.start()])
                    ),
                    None,
                )
                if kind == "year" and before is not None:
                    found.remove(before)
                    merged = PartialDate(value.year, before.value.month, before.value.day)
                    found.append(DateMention(merged, before.start, m.end(), True))
                    continue
                found.append(DateMention(value, m.start(), m.end(), True, anchored_day=kind == "day"))
    filled = _fill_years(text, sorted(found, key=lambda d: d.start), anchor_day)
    if not counted:
        return filled
    return sorted(_counted_dates(text, filled, anchor_day, lang), key=lambda d: d.start)


# Around a dateline: a place and a comma before the date, an agency in brackets and a dash (or a full
# stop) after it: "SEOUL, June 21 (Reuters) -", "Moscú, 21 de junio.", "Seúl, 20 jun (EFE).-".
_BEFORE_DATELINE = re.compile(r"\s*(?:[^\W\d][^\n\d,.;:()]{0,40},\s*)?")
_AFTER_DATELINE = re.compile(r",?\s*(?:\([^()]{1,30}\))?\s*(?:\.?\s*[-–—]+|\.(?=\s))")


def _dateline(text: str, found: list[DateMention], lang: str, anchor: date | None) -> DateMention | None:
    """The output's own dateline, if it opens with one: a day of a month (abbreviated months too),
    its year the one given, else the source's (a dateline is days from the source's own)."""
    head = _BEFORE_DATELINE.match(text)
    start = head.end() if head else 0
    first = next((d for d in found if d.start == start and d.value.day is not None), None)
    if first is not None:
        value, end = first.value, first.end
    else:
        abbreviations = {forms[0][:3]: i + 1 for i, forms in enumerate(_MONTHS[lang])}
        m = re.compile(rf"(\d{{1,2}})\s+(?:de\s+)?({'|'.join(abbreviations)})\.?(?!\w)", re.I).match(text, start)
        if m is None:
            return None
        value, end = PartialDate(None, abbreviations[fold(m.group(2))], int(m.group(1))), m.end()
    if value.day is None or not _AFTER_DATELINE.match(text, end):
        return None
    if value.year is None and anchor is not None:
        value = PartialDate(anchor.year, value.month, value.day)
    return DateMention(value, start, end, relative=False, dateline=True) if value.is_valid() else None


def _fill_years(text: str, mentions: list[DateMention], anchor: date | None) -> list[DateMention]:
    """Give year-less month/day mentions the year of their sentence, else the dateline's."""
    out: list[DateMention] = []
    sentences = sentence_spans(text)
    for mention in mentions:
        v = mention.value
        if v.year is not None or v.month is None or mention.dateline:
            out.append(mention)
            continue
        sentence = next(((s, e) for s, e in sentences if s <= mention.start < e), (0, len(text)))
        years = [
            o.value.year
            for o in mentions
            if o is not mention
            and sentence[0] <= o.start < sentence[1]
            and o.value.year is not None
            and o.value.month is None
        ]
        year = years[0] if years else None
        if year is None and anchor is not None:
            year = anchor.year if (v.month, v.day or 1) <= (anchor.month, anchor.day) else anchor.year - 1
        filled = PartialDate(year, v.month, v.day)
        out.append(
            DateMention(filled if filled.is_valid() else v, mention.start, mention.end, True, mention.anchored_day)
        )
    return out


def _offset_patterns(lang: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str] | None]:
    """(counted offsets: "two days later", fixed phrases: "the next day", counts after their direction:
    "hace dos años") of a language."""

    def alt(words: object) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # type: ignore[call-overload]

    count = rf"(?P<n>{alt(OFFSET_COUNTS[lang])}|\d+)"
    counted = re.compile(
        rf"(?<!\w)(?:{count}\s+)?(?P<u>{alt(OFFSET_UNITS[lang])})\s+(?P<dir>{alt(OFFSET_DIRECTIONS[lang])})(?!\w)",
        re.IGNORECASE,
    )
    fixed = re.compile(rf"(?<!\w)(?:{alt(RELATIVE_DAYS[lang])})(?!\w)", re.IGNORECASE)
    prefixed = None
    if OFFSET_PREFIXES[lang]:
        prefixed = re.compile(
            rf"(?<!\w)(?P<dir>{alt(OFFSET_PREFIXES[lang])})\s+{count}\s+(?P<u>{alt(OFFSET_UNITS[lang])})(?!\w)",
            re.IGNORECASE,
        )
    return counted, fixed, prefixed


_OFFSET_RE = {lang: _offset_patterns(lang) for lang in _MONTHS}
_OBJECT_END = re.compile(r"[,;:()–—]|$")


def _names_article(text: str, lang: str) -> bool:
    words = {fold(w) for w in re.findall(r"\w+", text)}
    return any(fold(w) in words for w in ARTICLE_WORDS[lang])


def _counted_dates(text: str, found: list[DateMention], anchor: date | None, lang: str) -> list[DateMention]:
    """``found`` plus the dates counted from another: "a day earlier", "the next day", "la víspera del
    20 de junio", "dwa dni później", "two years after the invasion".

    A count followed by its object ("before the report", "antes de la publicación", "przed X") counts
    from the date in that object, or from the dateline when the object is the article itself; an object
    that is another event ("two years after the invasion") makes the mention that event's date, for
    years, and for days when a date stands beside it ("On 18 June, a day before the signing"; a day
    count from an undated event dates nothing). A count without an object counts from
    the last date before it in its sentence, else from the dateline. A date that only serves as an
    object ("the eve of 20 June") is dropped: it is no event's date.
    """
    counted_re, fixed_re, prefixed_re = _OFFSET_RE[lang]
    sentences = sentence_spans(text)
    out = list(found)
    dropped: list[DateMention] = []
    matches = [(m, 0) for m in counted_re.finditer(text)] + [(m, 1) for m in fixed_re.finditer(text)]
    matches += [(m, 2) for m in prefixed_re.finditer(text)] if prefixed_re else []
    for m, form in sorted(matches, key=lambda x: x[0].start()):
        if any(d.start < m.end() and m.start() < d.end for d in out):
            continue
        if form == 1:
            days, unit = RELATIVE_DAYS[lang][fold(m.group())], "day"
        else:
            count = m.group("n")
            n = int(count) if count and count.isdigit() else OFFSET_COUNTS[lang].get(fold(count or ""), 1)
            unit = OFFSET_UNITS[lang][fold(m.group("u"))]
            directions = OFFSET_PREFIXES[lang] if form == 2 else OFFSET_DIRECTIONS[lang]
            days = n * directions[fold(m.group("dir"))] * (7 if unit == "week" else 1)
            if unit == "hour":  # "24 hours earlier": whole days only
                if n % 24:
                    continue
                days, unit = days // 24, "day"
        sentence = next(((s, e) for s, e in sentences if s <= m.start() < e), (0, len(text)))
        rest = text[m.end() : sentence[1]]
        has_object = bool(re.match(r"\s*(?:of|de|del)?\s*\w", rest)) and (
            form == 1 and days == -1 or form == 0 and fold(m.group("dir")) not in _STANDALONE
        )
        obj_end = m.end() + _OBJECT_END.search(rest).start()  # type: ignore[union-attr]
        base: DateMention | None = None
        if has_object:
            base = next((d for d in out if m.end() <= d.start < obj_end), None)
            if base is not None:
                dropped.append(base)
            elif not _names_article(text[m.end() : obj_end], lang):
                about = (m.start() + m.group().rstrip().rfind(" ") + 1, obj_end)  # from "before"/"after"
                beside = next(
                    (d for d in out if d.end <= m.start() and re.fullmatch(r"\s*,\s*", text[d.end : m.start()])), None
                )
                if unit == "day" and beside is not None and (from_day := _day_of(beside.value)) is not None:
                    # "On 18 June, a day before the signing": the date beside it dates the object's event.
                    d = from_day - timedelta(days=days)
                    value = PartialDate(d.year, d.month, d.day)
                    out.append(DateMention(value, m.start(), m.end(), True, beside.anchored_day, True, about=about))
                    dropped.append(beside)
                if unit in ("month", "year") and anchor is not None:
                    # "two years after the invasion", "nine months after the meeting": that event's year or month.
                    ref = next((d.value for d in out if d.value.year and sentence[0] <= d.start < sentence[1]), None)
                    of_event = _count_months(ref or PartialDate(anchor.year, anchor.month), -days, unit)
                    about = (m.start("dir"), obj_end)
                    if of_event is not None:
                        out.append(DateMention(of_event, m.start(), m.end(), True, counted=True, about=about))
                continue
        else:
            base = next((d for d in reversed(out) if sentence[0] <= d.start and d.end <= m.start()), None)
        if base is None and anchor is None:
            continue
        span = (base.start, base.end) if base is not None else None
        if unit in ("month", "year"):  # "two years ago", "nine months earlier"
            ref = base.value if base is not None else PartialDate(anchor.year, anchor.month)  # type: ignore[union-attr]
            counted_value = _count_months(ref, days, unit)
            if counted_value is not None:
                out.append(DateMention(counted_value, m.start(), m.end(), True, counted=True, anchor=span))
            continue
        from_day = _day_of(base.value) if base is not None else anchor
        if from_day is None:
            continue
        d = from_day + timedelta(days=days)
        weak = base is None or base.anchored_day
        out.append(DateMention(PartialDate(d.year, d.month, d.day), m.start(), m.end(), True, weak, True, span))
    return [d for d in out if d not in dropped]


def _count_months(ref: PartialDate, count: int, unit: str) -> PartialDate | None:
    """``count`` months or years from ``ref``, at that unit's precision (None when ``ref`` lacks it)."""
    if ref.year is None or unit == "month" and ref.month is None:
        return None
    if unit == "year":
        return PartialDate(ref.year + count)
    return PartialDate(*_shift_month(date(ref.year, ref.month or 1, 1), count))


# Direction words that never take an object ("two days later", "dzień wcześniej").
_STANDALONE = frozenset(
    {"earlier", "later", "previously", "afterwards", "ago", "más tarde", "atrás", "wcześniej", "później", "temu"}
)


def _day_of(value: PartialDate) -> date | None:
    if value.year and value.month and value.day:
        return date(value.year, value.month, value.day)
    return None

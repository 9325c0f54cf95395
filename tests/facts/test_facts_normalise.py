"""Number, unit and date normalisation in en/es/pl."""

from __future__ import annotations

from datetime import datetime

import pytest

from harness.facts.dates import PartialDate, find_dates
from harness.facts.numbers import find_quantities

ANCHOR = datetime(2024, 6, 20, 7, 52)  # a Thursday


@pytest.mark.parametrize(
    ("lang", "text", "value", "unit", "hedged"),
    [
        ("en", "one hundred and ninety tonnes", 190, "tonne", False),
        ("en", "about two hours", 2, "hour", True),
        ("en", "190,000 kg", 190_000, "kilogram", False),
        ("en", "2,5 hours", 2.5, "hour", False),
        ("en", "1.5 million people", 1_500_000, None, False),
        ("en", "190 million tonnes", 190e6, "tonne", False),
        ("en", "a 190-tonne shipment", 190, "tonne", False),
        ("en", "twenty-one minutes", 21, "minute", False),
        ("en", "three thousand", 3000, None, False),
        ("es", "unas 190 toneladas", 190, "tonne", True),
        ("es", "ciento noventa toneladas", 190, "tonne", False),
        ("es", "1.000 toneladas", 1000, "tonne", False),
        ("es", "2,5 horas", 2.5, "hour", False),
        ("es", "5 mil toneladas", 5000, "tonne", False),
        ("es", "dos millones", 2e6, None, False),
        ("pl", "około dwóch godzin", 2, "hour", True),
        ("pl", "stu dziewięćdziesięciu ton", 190, "tonne", False),
        ("pl", "1 000 ton", 1000, "tonne", False),
        ("pl", "5 tys. ton", 5000, "tonne", False),
        ("pl", "2,5 mln", 2.5e6, None, False),
        ("en", "an hour and a half", 1.5, "hour", False),
        ("en", "two and a half hours", 2.5, "hour", False),
        ("es", "hora y media", 1.5, "hour", False),
        ("es", "dos horas y media", 2.5, "hour", False),
        ("pl", "dwie i pół godziny", 2.5, "hour", False),
    ],
)
def test_quantities(lang: str, text: str, value: float, unit: str | None, hedged: bool) -> None:
    (q,) = find_quantities(text, lang)
    assert (q.value, q.unit, q.hedged) == (pytest.approx(value), unit, hedged)


def test_unit_conversion_to_base() -> None:
    (kg,) = find_quantities("190,000 kg")
    (t,) = find_quantities("190 tonnes")
    (m,) = find_quantities("120 minutes")
    (h,) = find_quantities("two hours")
    assert kg.in_base_unit() == t.in_base_unit() and m.in_base_unit() == h.in_base_unit()


@pytest.mark.parametrize(
    ("lang", "text", "expected", "span"),
    [
        ("en", "on 19 June 2024", PartialDate(2024, 6, 19), "19 June 2024"),
        ("en", "on June 19, 2024", PartialDate(2024, 6, 19), "June 19, 2024"),
        ("en", "on 2024-06-19", PartialDate(2024, 6, 19), "2024-06-19"),
        ("en", "on 19.06.2024", PartialDate(2024, 6, 19), "19.06.2024"),
        ("en", "on Wednesday", PartialDate(2024, 6, 19), "Wednesday"),
        ("en", "on Thursday", PartialDate(2024, 6, 20), "Thursday"),
        ("en", "on Friday", PartialDate(2024, 6, 14), "Friday"),
        ("en", "yesterday", PartialDate(2024, 6, 19), "yesterday"),
        ("en", "last year", PartialDate(2023), "last year"),
        ("en", "this year", PartialDate(2024), "this year"),
        ("en", "in September", PartialDate(2023, 9), "September"),
        ("en", "in March 2022", PartialDate(2022, 3), "March 2022"),
        ("es", "el miércoles", PartialDate(2024, 6, 19), "miércoles"),
        ("es", "el 19 de junio de 2024", PartialDate(2024, 6, 19), "19 de junio de 2024"),
        ("es", "el año pasado", PartialDate(2023), "el año pasado"),
        ("es", "en septiembre", PartialDate(2023, 9), "septiembre"),
        ("pl", "w środę", PartialDate(2024, 6, 19), "środę"),
        ("pl", "19 czerwca 2024 r.", PartialDate(2024, 6, 19), "19 czerwca 2024 r."),
        ("pl", "w ubiegłym roku", PartialDate(2023), "w ubiegłym roku"),
        ("pl", "we wrześniu", PartialDate(2023, 9), "wrześniu"),
    ],
)
def test_dates_anchored(lang: str, text: str, expected: PartialDate, span: str) -> None:
    (d,) = find_dates(text, ANCHOR, lang)
    assert (d.value, text[d.start : d.end]) == (expected, span)


def test_month_takes_year_of_its_sentence() -> None:
    (_, month) = find_dates("Last year they met in September.", ANCHOR)
    assert month.value == PartialDate(2023, 9)


def test_unanchored_weekday_keeps_weekday_only() -> None:
    (d,) = find_dates("on Wednesday", None)
    assert d.value == PartialDate(None, weekday=2)


def test_may_the_verb_is_no_date() -> None:
    assert find_dates("Russia may develop cooperation.", ANCHOR) == []


@pytest.mark.parametrize(
    ("lang", "text", "counted", "value"),
    [
        ("en", "signed 24 hours before the report", "24 hours before", PartialDate(2024, 6, 19)),
        ("en", "they met nine months earlier", "nine months earlier", PartialDate(2023, 9)),
        ("en", "Russia invaded Ukraine two years ago", "two years ago", PartialDate(2022)),
        ("es", "la invasión de Ucrania, hace dos años", "hace dos años", PartialDate(2022)),
        ("pl", "podpisały pakt trzy lata temu", "trzy lata temu", PartialDate(2021)),
    ],
)
def test_counted_hours_months_and_years(lang: str, text: str, counted: str, value: PartialDate) -> None:
    (d,) = find_dates(text, ANCHOR, lang, counted=True)
    assert (text[d.start : d.end], d.value, d.counted) == (counted, value, True)


@pytest.mark.parametrize(
    ("lang", "text", "line", "yesterday"),
    [
        ("en", "SEOUL, June 21 (Reuters) - They signed it yesterday.", "June 21", PartialDate(2024, 6, 20)),
        ("en", "June 20, 2024 - They signed it yesterday.", "June 20, 2024", PartialDate(2024, 6, 19)),
        ("es", "Seúl, 20 jun (EFE).- Lo firmaron ayer.", "20 jun", PartialDate(2024, 6, 19)),
        ("es", "Moscú, 21 de junio. Lo firmaron ayer.", "21 de junio", PartialDate(2024, 6, 20)),
        ("pl", "Moskwa, 21 czerwca – Podpisali go wczoraj.", "21 czerwca", PartialDate(2024, 6, 20)),
    ],
)
def test_an_output_dateline_anchors_its_relative_dates(lang: str, text: str, line: str, yesterday: PartialDate) -> None:
    dateline, relative = find_dates(text, ANCHOR, lang)
    assert (text[dateline.start : dateline.end], dateline.dateline) == (line, True)
    assert relative.value == yesterday and not relative.dateline


def test_a_date_opening_a_sentence_is_no_dateline() -> None:
    (d,) = find_dates("On 20 June, state media published the text.", ANCHOR)
    assert not d.dateline

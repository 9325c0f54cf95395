"""Hand-written outputs for the seed article: each kind x verdict x normalisation, slots, es/pl."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.facts import check_facts, fact_table, load_fact_spec, parse_facts
from harness.facts.checker import FactVerdict

SEED = Path(__file__).resolve().parents[2] / "seeds" / "russia-dprk-pact.yaml"
ANCHOR = datetime(2024, 6, 20, 7, 52)


@lru_cache(maxsize=1)
def seed_yaml() -> dict[str, Any]:
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def facts() -> tuple:
    return load_fact_spec(SEED)


def verdict(output: str, fact_id: str, lang: str = "en", anchor: datetime | None = ANCHOR) -> FactVerdict:
    return next(v for v in check_facts(output, facts(), anchor=anchor, lang=lang) if v.fact_id == fact_id)


CASES: list[tuple[str, str, str, str | None]] = [
    # ---- date: signing date, formats and anchoring ----
    ("The treaty was signed on 19 June 2024.", "treaty_date", "supported", "19 June 2024"),
    ("The treaty was signed on June 19, 2024.", "treaty_date", "supported", "June 19, 2024"),
    ("The treaty was signed on 2024-06-19.", "treaty_date", "supported", "2024-06-19"),
    ("The treaty was signed on 19.06.2024.", "treaty_date", "supported", "19.06.2024"),
    ("The treaty was signed on 19/06/2024.", "treaty_date", "supported", "19/06/2024"),
    ("The pact was signed on the 19th of June.", "treaty_date", "supported", "19th of June"),
    ("The treaty was signed on Wednesday.", "treaty_date", "supported", "Wednesday"),
    ("The pact, signed on Wednesday, 19 June 2024, binds both.", "treaty_date", "supported", "Wednesday, 19 June 2024"),
    ("Russia and North Korea signed the treaty yesterday.", "treaty_date", "supported", "yesterday"),
    ("The treaty was signed on 20 June 2024.", "treaty_date", "contradicted", "20 June 2024"),
    ("The treaty was signed on Friday.", "treaty_date", "contradicted", "Friday"),
    ("The treaty was signed on 19 July.", "treaty_date", "contradicted", "19 July"),
    ("The treaty was signed on 2024-06-20.", "treaty_date", "contradicted", "2024-06-20"),
    ("The treaty was signed in 2023.", "treaty_date", "contradicted", "2023"),
    ("The agreement was signed today.", "treaty_date", "contradicted", "today"),
    # Explicit date outweighs a dateline-relative one; an explicit wrong date wins over a weekday.
    ("The agreement signed today, on 19 June 2024, is historic.", "treaty_date", "supported", "19 June 2024"),
    ("The treaty was signed on Wednesday, 20 June.", "treaty_date", "contradicted", "Wednesday, 20 June"),
    ("Putin visited Pyongyang and met Kim Jong Un.", "treaty_date", "absent", None),
    ("The treaty was signed in June 2024.", "treaty_date", "absent", None),  # coarser: not stated
    # slot confusion: a year or month for another event is not the signing date
    ("The treaty was signed on 19 June. In 2022 Russia invaded Ukraine.", "treaty_date", "supported", "19 June"),
    (
        "South Korea's defence ministry estimated at the end of February that 190 tonnes were sent.",
        "treaty_date",
        "absent",
        None,
    ),
    ("Kim visited Vladivostok in September 2023, where he met Putin.", "treaty_date", "absent", None),
    # ---- date: month and year facts ----
    (
        "Kim visited Vladivostok in September 2023, where he met Putin.",
        "vladivostok_meeting",
        "supported",
        "September 2023",
    ),
    ("Last year Kim met Putin in Vladivostok in September.", "vladivostok_meeting", "supported", "September"),
    ("Kim met Putin in Vladivostok in October 2023.", "vladivostok_meeting", "contradicted", "October 2023"),
    ("Kim met Putin in Vladivostok last year.", "vladivostok_meeting", "absent", None),
    ("In 2022 Russia launched a full-scale invasion of Ukraine.", "invasion_year", "supported", "2022"),
    ("Russia invaded Ukraine on 24 February 2022.", "invasion_year", "supported", "24 February 2022"),
    ("Russia launched its invasion of Ukraine in 2021.", "invasion_year", "contradicted", "2021"),
    ("Russia launched its invasion of Ukraine last year.", "invasion_year", "contradicted", "last year"),
    ("The treaty was signed in 2024.", "invasion_year", "absent", None),
    # ---- quantity: tonnage ----
    ("North Korea sent Russia around 190 tonnes of ammunition.", "ammunition_tonnage", "supported", "190 tonnes"),
    ("North Korea sent Russia 190 tonnes of ammunition.", "ammunition_tonnage", "supported", "190 tonnes"),
    (
        "North Korea sent Russia one hundred and ninety tonnes of ammunition.",
        "ammunition_tonnage",
        "supported",
        "one hundred and ninety tonnes",
    ),
    ("North Korea sent Russia 190,000 kg of ammunition.", "ammunition_tonnage", "supported", "190,000 kg"),
    ("North Korea sent Russia 190000 kilograms of ammunition.", "ammunition_tonnage", "supported", "190000 kilograms"),
    (
        "North Korea sent Russia 0.19 thousand tonnes of ammunition.",
        "ammunition_tonnage",
        "supported",
        "0.19 thousand tonnes",
    ),
    ("North Korea sent Russia about 200 tonnes of ammunition.", "ammunition_tonnage", "supported", "200 tonnes"),
    (
        "North Korea sent Russia roughly 190 metric tons of ammunition.",
        "ammunition_tonnage",
        "supported",
        "190 metric tons",
    ),
    ("North Korea sent Russia 290 tonnes of ammunition.", "ammunition_tonnage", "contradicted", "290 tonnes"),
    (
        "North Korea sent Russia 190 million tonnes of ammunition.",
        "ammunition_tonnage",
        "contradicted",
        "190 million tonnes",
    ),
    ("North Korea sent Russia 200 tonnes of ammunition.", "ammunition_tonnage", "contradicted", "200 tonnes"),
    ("North Korea sent Russia 190 kg of ammunition.", "ammunition_tonnage", "contradicted", "190 kg"),
    ("Russia shipped 5,000 tonnes of grain to North Korea.", "ammunition_tonnage", "absent", None),
    (
        "North Korea sent Russia 190 tonnes of ammunition and received 5,000 tonnes of grain.",
        "ammunition_tonnage",
        "supported",
        "190 tonnes",
    ),
    ("The talks lasted about two hours.", "ammunition_tonnage", "absent", None),
    # ---- quantity: duration ----
    ("The talks lasted about two hours.", "talks_duration", "supported", "two hours"),
    ("The talks lasted 2 hours.", "talks_duration", "supported", "2 hours"),
    ("The talks lasted 120 minutes.", "talks_duration", "supported", "120 minutes"),
    ("After talks lasting around 2,0 hours, Putin spoke.", "talks_duration", "supported", "2,0 hours"),
    ("The talks lasted three hours.", "talks_duration", "contradicted", "three hours"),
    ("The talks lasted 90 minutes.", "talks_duration", "contradicted", "90 minutes"),
    ("The talks lasted 2.5 hours.", "talks_duration", "contradicted", "2.5 hours"),
    ("Putin spent 24 hours in Pyongyang.", "talks_duration", "absent", None),
    ("North Korea sent Russia 190 tonnes of ammunition.", "talks_duration", "absent", None),
    # ---- entity ----
    ("Russia and North Korea signed a pact.", "treaty_parties", "supported", "Russia"),
    ("Moscow and Pyongyang signed a pact.", "treaty_parties", "supported", "Moscow"),
    ("The Kremlin and the DPRK signed a pact.", "treaty_parties", "supported", "Kremlin"),
    ("Russia signed a pact.", "treaty_parties", "absent", None),
    # Another party named with one of them fills the parties' slot with a wrong value.
    ("Russia and South Korea signed a pact.", "treaty_parties", "contradicted", "South Korea"),
    (
        "They signed a comprehensive strategic partnership treaty.",
        "treaty_kind",
        "supported",
        "comprehensive strategic partnership treaty",
    ),
    ("They signed a strategic partnership agreement.", "treaty_kind", "supported", "strategic partnership agreement"),
    ("They signed a trade deal.", "treaty_kind", "absent", None),
    ("The treaty was signed in Pyongyang.", "signing_place", "supported", "Pyongyang"),
    ("The treaty was signed in Moscow.", "signing_place", "contradicted", "Moscow"),
    ("The treaty was signed in Vladivostok on Wednesday.", "signing_place", "contradicted", "Vladivostok"),
    ("Kim met Putin during his visit to Vladivostok in September.", "signing_place", "absent", None),
    ("According to Moscow, the treaty was signed.", "signing_place", "absent", None),
    (
        "South Korea's defence ministry estimated the shipments.",
        "ammunition_estimate_source",
        "supported",
        "South Korea's defence ministry",
    ),
    (
        "The South Korean defence ministry estimated the shipments.",
        "ammunition_estimate_source",
        "supported",
        "South Korean defence ministry",
    ),
    # Issue 24: an estimate credited to another named source is a wrong attribution.
    ("The US estimated the shipments.", "ammunition_estimate_source", "contradicted", "US"),
    ("Analysts estimated the shipments.", "ammunition_estimate_source", "absent", None),
    # ---- clause ----
    (
        "The pact obliges both sides to support each other in case of aggression.",
        "mutual_defence_clause",
        "supported",
        "both sides to support each other in case of aggression",
    ),
    (
        "It includes a mutual defence clause against attack.",
        "mutual_defence_clause",
        "supported",
        "mutual defence clause against attack",
    ),
    (
        "The treaty does not include a mutual defence clause.",
        "mutual_defence_clause",
        "contradicted",
        "does not include a mutual defence",
    ),
    (
        "There is no mutual assistance in the event of aggression.",
        "mutual_defence_clause",
        "contradicted",
        "no mutual assistance in the event of aggression",
    ),
    ("The treaty covers trade.", "mutual_defence_clause", "absent", None),
    (
        "Putin said Russia does not rule out military-technical cooperation.",
        "military_technical_cooperation",
        "supported",
        "not rule out military-technical",
    ),
    (
        "Putin said military-technical cooperation is possible.",
        "military_technical_cooperation",
        "supported",
        "military-technical cooperation is possible",
    ),
    (
        "Putin ruled out military-technical cooperation with North Korea.",
        "military_technical_cooperation",
        "contradicted",
        "ruled out military-technical",
    ),
    (
        "Russia excludes military cooperation with Pyongyang.",
        "military_technical_cooperation",
        "contradicted",
        "excludes military cooperation",
    ),
    ("Putin praised the talks.", "military_technical_cooperation", "absent", None),
    (
        "They also signed agreements on healthcare, education and science.",
        "other_agreements",
        "supported",
        "healthcare, education and science",
    ),
    (
        "They did not sign agreements on health, education or science.",
        "other_agreements",
        "contradicted",
        "did not sign agreements on health, education or science",
    ),
    ("They also signed agreements on healthcare.", "other_agreements", "absent", None),
]


@pytest.mark.parametrize(("output", "fact_id", "expected", "text"), CASES)
def test_seed_verdicts(output: str, fact_id: str, expected: str, text: str | None) -> None:
    v = verdict(output, fact_id)
    assert (v.verdict, v.text) == (expected, text)
    if v.span is not None:
        assert output[v.span[0] : v.span[1]] == v.text


def test_weekday_without_anchor_compares_day_of_week() -> None:
    assert verdict("The treaty was signed on Wednesday.", "treaty_date", anchor=None).verdict == "supported"
    assert verdict("The treaty was signed on Thursday.", "treaty_date", anchor=None).verdict == "contradicted"


ES_PL_CASES: list[tuple[str, str, str, str, str | None]] = [
    ("es", "El tratado fue firmado el miércoles.", "treaty_date", "supported", "miércoles"),
    ("es", "El tratado fue firmado el 19 de junio de 2024.", "treaty_date", "supported", "19 de junio de 2024"),
    ("es", "El tratado fue firmado el 20 de junio de 2024.", "treaty_date", "contradicted", "20 de junio de 2024"),
    ("es", "El tratado fue firmado el viernes.", "treaty_date", "contradicted", "viernes"),
    (
        "es",
        "Corea del Norte envió a Rusia unas 190 toneladas de munición.",
        "ammunition_tonnage",
        "supported",
        "190 toneladas",
    ),
    (
        "es",
        "Corea del Norte envió a Rusia ciento noventa toneladas de munición.",
        "ammunition_tonnage",
        "supported",
        "ciento noventa toneladas",
    ),
    (
        "es",
        "Corea del Norte envió a Rusia 190.000 kilogramos de munición.",
        "ammunition_tonnage",
        "supported",
        "190.000 kilogramos",
    ),
    (
        "es",
        "Corea del Norte envió a Rusia 290 toneladas de munición.",
        "ammunition_tonnage",
        "contradicted",
        "290 toneladas",
    ),
    ("es", "Rusia envió 5.000 toneladas de grano.", "ammunition_tonnage", "absent", None),
    ("es", "Las conversaciones duraron unas dos horas.", "talks_duration", "supported", "dos horas"),
    ("es", "Las conversaciones duraron tres horas.", "talks_duration", "contradicted", "tres horas"),
    ("es", "Las conversaciones duraron 1,5 horas.", "talks_duration", "contradicted", "1,5 horas"),
    ("es", "Rusia y Corea del Norte firmaron un pacto.", "treaty_parties", "supported", "Rusia"),
    ("es", "El tratado fue firmado en Moscú.", "signing_place", "contradicted", "Moscú"),
    (
        "es",
        "El tratado no incluye una cláusula de defensa mutua.",
        "mutual_defence_clause",
        "contradicted",
        "no incluye una cláusula de defensa mutua",
    ),
    (
        "es",
        "Putin descartó la cooperación técnico-militar.",
        "military_technical_cooperation",
        "contradicted",
        "descartó la cooperación técnico-militar",
    ),
    ("pl", "Traktat podpisano w środę.", "treaty_date", "supported", "środę"),
    ("pl", "Traktat podpisany 19 czerwca 2024 r. w Pjongjangu.", "treaty_date", "supported", "19 czerwca 2024 r."),
    ("pl", "Traktat podpisany 20 czerwca 2024 r.", "treaty_date", "contradicted", "20 czerwca 2024 r."),
    ("pl", "Traktat podpisany w piątek.", "treaty_date", "contradicted", "piątek"),
    ("pl", "Korea Północna wysłała Rosji około 190 ton amunicji.", "ammunition_tonnage", "supported", "190 ton"),
    ("pl", "Korea Północna wysłała Rosji 290 ton amunicji.", "ammunition_tonnage", "contradicted", "290 ton"),
    ("pl", "Korea Północna wysłała Rosji 190 tys. ton amunicji.", "ammunition_tonnage", "contradicted", "190 tys. ton"),
    ("pl", "Rosja wysłała 5 tys. ton zboża.", "ammunition_tonnage", "absent", None),
    ("pl", "Rozmowy trwały około dwóch godzin.", "talks_duration", "supported", "dwóch godzin"),
    ("pl", "Rozmowy trwały trzy godziny.", "talks_duration", "contradicted", "trzy godziny"),
    ("pl", "Rosja podpisała porozumienie z Koreą Północną.", "treaty_parties", "supported", "Rosja"),
    ("pl", "Rosja i Korea Południowa podpisały porozumienie.", "treaty_parties", "contradicted", "Korea Południowa"),
    (
        "pl",
        "Traktat nie zawiera klauzuli o wzajemnej obronie.",
        "mutual_defence_clause",
        "contradicted",
        "nie zawiera klauzuli o wzajemnej obronie",
    ),
    (
        "pl",
        "Putin wykluczył współpracę wojskowo-techniczną.",
        "military_technical_cooperation",
        "contradicted",
        "wykluczył współpracę wojskowo-techniczną",
    ),
]


@pytest.mark.parametrize(("lang", "output", "fact_id", "expected", "text"), ES_PL_CASES)
def test_es_pl_verdicts(lang: str, output: str, fact_id: str, expected: str, text: str | None) -> None:
    v = verdict(output, fact_id, lang=lang)
    assert (v.verdict, v.text) == (expected, text)


@pytest.mark.parametrize("lang", ["en", "es", "pl"])
def test_reference_translation_supports_every_fact(lang: str) -> None:
    """The body translations state all twelve facts; each must come out supported."""
    text = " ".join(seed_yaml()["translation"][lang])
    verdicts = check_facts(text, facts(), anchor=ANCHOR, lang=lang)
    assert {v.fact_id: v.verdict for v in verdicts} == {f.id: "supported" for f in facts()}


ALTERATIONS: dict[str, list[tuple[str, str, str]]] = {
    "es": [
        ("firmado el miércoles", "firmado el viernes", "treaty_date"),
        ("unas 190 toneladas", "unas 290 toneladas", "ammunition_tonnage"),
        ("unas dos horas", "unas cinco horas", "talks_duration"),
        ("Rusia no descarta", "Rusia descarta", "military_technical_cooperation"),
        ("incluye una cláusula de defensa mutua", "no incluye una cláusula de defensa mutua", "mutual_defence_clause"),
        ("en septiembre", "en octubre", "vladivostok_meeting"),
    ],
    "pl": [
        ("podpisany w środę", "podpisany w piątek", "treaty_date"),
        ("około 190 ton", "około 290 ton", "ammunition_tonnage"),
        ("około dwóch godzin", "około pięciu godzin", "talks_duration"),
        ("Rosja nie wyklucza", "Rosja wyklucza", "military_technical_cooperation"),
        ("zawiera klauzulę", "nie zawiera klauzuli", "mutual_defence_clause"),
        ("we wrześniu", "w październiku", "vladivostok_meeting"),
    ],
}


@pytest.mark.parametrize(
    ("lang", "old", "new", "fact_id"),
    [(lang, *alt) for lang, alts in ALTERATIONS.items() for alt in alts],
)
def test_altered_translation_contradicts(lang: str, old: str, new: str, fact_id: str) -> None:
    text = " ".join(seed_yaml()["translation"][lang])
    assert old in text
    altered = text.replace(old, new)
    verdicts = {v.fact_id: v for v in check_facts(altered, facts(), anchor=ANCHOR, lang=lang)}
    assert verdicts[fact_id].verdict == "contradicted"
    others = {fid: v.verdict for fid, v in verdicts.items() if fid != fact_id}
    assert set(others.values()) == {"supported"}


def test_reference_summary_and_table() -> None:
    refs = seed_yaml()["references"]
    per_example = [[v.as_dict() for v in check_facts(refs[k], facts(), anchor=ANCHOR)] for k in ("headline", "short")]
    table = fact_table(per_example)
    assert list(table) == [f.id for f in facts()]
    assert table["treaty_date"] == {"supported": 2, "contradicted": 0, "absent": 0}
    assert table["ammunition_tonnage"] == {"supported": 1, "contradicted": 0, "absent": 1}
    assert all(sum(row.values()) == 2 for row in table.values())
    assert not any(row["contradicted"] for row in table.values())


def test_a_wrong_value_beside_the_right_one_contradicts() -> None:
    """Contradiction wins: an output that gives the signing both its date and another is wrong."""
    right_and_wrong = "The pact was signed on 19 June 2024. The signing ceremony took place on 21 June in Pyongyang."
    assert verdict("The pact was signed on 19 June 2024.", "treaty_date").verdict == "supported"
    v = verdict(right_and_wrong, "treaty_date")
    assert (v.verdict, v.text) == ("contradicted", "21 June")


def test_a_weekday_in_a_signing_sentence_binds_to_the_signing_only() -> None:
    v = {x.fact_id: x for x in check_facts("On Thursday, Putin and Kim signed the pact.", facts(), anchor=ANCHOR)}
    assert v["treaty_date"].verdict == "contradicted" and "treaty_date" in (v["treaty_date"].reason or "")
    assert v["vladivostok_meeting"].verdict == "absent"
    unrelated = check_facts("Around 50 journalists covered the visit in 2023.", facts(), anchor=ANCHOR)
    assert {x.verdict for x in unrelated} == {"absent"}


# Cases that pin what the checker does past the first mention, with spans that start alike, and with
# mentions the checker must look beyond (each was a surviving mutant of benchmarks/mutation.py).
LATER_MENTION_CASES: list[tuple[str, str, str, str, str | None]] = [
    # A date bound to no fact does not end the search: the signing date after it still counts.
    (
        "en",
        "On 1 May 2020 nothing happened. The treaty was signed on 20 June 2024.",
        "treaty_date",
        "contradicted",
        "20 June 2024",
    ),
    # The February of the ministry's estimate (a fact of another kind dated by its evidence) is not the signing.
    (
        "en",
        "South Korea's defence ministry estimated in February that North Korea had sent 190 tonnes since the "
        "treaty was signed.",
        "treaty_date",
        "absent",
        None,
    ),
    # A name after "of" is no noun counted ("tonnes of North Korean ammunition" still counts ammunition).
    (
        "en",
        "North Korea sent Russia 190 tonnes of North Korean ammunition.",
        "ammunition_tonnage",
        "supported",
        "190 tonnes",
    ),
    # A number with a unit that looks like a year is the quantity, not a date.
    ("en", "North Korea sent Russia 1900 tonnes of ammunition.", "ammunition_tonnage", "contradicted", "1900 tonnes"),
    # The longest form of a name at a position is the one reported ("Kim Dzong Un", not "Kim").
    ("pl", "Kim Dzong Un i Rosja podpisali traktat.", "treaty_parties", "supported", "Kim Dzong Un"),
    # Another party named first, then one of the parties.
    ("en", "South Korea and Russia signed a pact.", "treaty_parties", "contradicted", "South Korea"),
    # A place bound to no fact, or one inside a date ("in June"), does not end the search for the signing place.
    ("en", "Kim met Putin in Vladivostok. The treaty was signed in Moscow.", "signing_place", "contradicted", "Moscow"),
    ("en", "The treaty was signed in June in Moscow.", "signing_place", "contradicted", "Moscow"),
]


@pytest.mark.parametrize(("lang", "output", "fact_id", "expected", "text"), LATER_MENTION_CASES)
def test_later_mentions_and_longest_names(
    lang: str, output: str, fact_id: str, expected: str, text: str | None
) -> None:
    v = verdict(output, fact_id, lang)
    assert (v.verdict, v.text) == (expected, text), v.reason


def test_an_absent_party_is_named_in_the_reason() -> None:
    v = verdict("Russia signed a pact.", "treaty_parties")
    assert (v.verdict, v.reason) == ("absent", "not named in a sentence about its event: North Korea")


def test_a_count_without_a_unit_is_compared_as_stated() -> None:
    """A quantity fact with no unit (a count, named by its cues) is compared with the number itself."""
    troops = parse_facts(
        [
            {
                "id": "troops",
                "kind": "quantity",
                "value": 10000,
                "cues": {"en": ["troops", "soldiers"]},
                "evidence": "North Korea sent 10,000 troops",
            }
        ],
        "test",
    )
    stated = {
        output: next(v for v in check_facts(output, troops, anchor=ANCHOR)).verdict
        for output in ("North Korea sent 10,000 troops to Russia.", "North Korea sent 20,000 troops to Russia.")
    }
    assert list(stated.values()) == ["supported", "contradicted"]

"""Cleaning the raw scrape of the seed article."""

from __future__ import annotations

import pytest

from harness.data.seed import clean_scrape, seed_summarisation_examples
from testkit import ROOT

SPEC = ROOT / "seeds" / "russia-dprk-pact.yaml"


@pytest.fixture(scope="module")
def seed():
    return seed_summarisation_examples(SPEC, ["short", "headline"])[0]


@pytest.mark.parametrize(
    "boilerplate",
    [
        "Images source",  # photo credit
        "PAP/EPA/KCNA",
        "Przemysław Ciszak",  # byline
        "20 June 2024 07:52",  # dateline
        "Related content",
        "© Daily Wrap",
        "Downloading, reproduction",  # copyright notice
        "Wirtualna Polska",
        "took a short ride",  # the photo caption (repeated twice in the scrape)
        "NewsRussia",  # navigation
        "Against sanctions",  # section heading
    ],
)
def test_boilerplate_is_dropped(seed, boilerplate: str) -> None:
    assert boilerplate not in seed.source


@pytest.mark.parametrize(
    "body",
    [
        "North Korea and Russia have signed an agreement encompassing mutual military assistance.",
        "signed on Wednesday by Russia and North Korea",
        "talks lasting about two hours",
        "around 190 tonnes of ammunition",
        "which violates UN sanctions imposed on Pyongyang.",
        "Vladimir Putin emphasized that the comprehensive strategic partnership agreement",
    ],
)
def test_body_is_kept(seed, body: str) -> None:
    assert body in seed.source


def test_metadata_and_references(seed) -> None:
    assert seed.id == "russia-dprk-pact-2024"
    assert seed.meta["headline"] == "Russia and North Korea sign mutual defence pact amid rising tensions"
    assert seed.meta["published"] == "2024-06-20T07:52"
    assert [f["id"] for f in seed.meta["facts"]][:2] == ["treaty_date", "treaty_parties"]
    assert len(seed.references) == 2 and "19 June 2024" in seed.references[1]
    assert seed.source.count("Under this clause") == 1


def test_paragraphs_are_separated_by_blank_lines(seed) -> None:
    paragraphs = seed.source.split("\n\n")
    assert len(paragraphs) >= 10
    assert all(p.strip() == p and p for p in paragraphs)


def test_unknown_reference_key_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="reference_keys.*long.*available"):
        seed_summarisation_examples(SPEC, ["long"])


def test_cleaner_on_a_small_scrape() -> None:
    raw = "\n".join(
        [
            "NewsBig headline here",
            "Big headline here",
            "A caption line.",
            "A caption line.",
            "Images source: © X",
            "Some Author",
            "1 May 2024 10:00",
            "First body sentence. Second one.",
            "Related content",
            "Footer.",
        ]
    )
    body = clean_scrape(raw, headline="Big headline here", boilerplate_markers=["Images source:", "Related content"])
    assert body == ["First body sentence. Second one."]

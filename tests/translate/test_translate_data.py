"""Translation data: the seed in translation mode, line-aligned files, tables and hub-style datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from harness.core.errors import InputError
from harness.core.task import TaskSpec
from harness.data.columns import DatasetError
from harness.data.config import HubTranslationConfig, ParallelTextConfig, SeedDatasetConfig
from harness.data.loading import load_examples
from testkit import ROOT, read_jsonl, read_metrics, run_harness

EN_ES = TaskSpec("translate", "en", "es")
SPEC = yaml.safe_load((ROOT / "seeds" / "russia-dprk-pact.yaml").read_text(encoding="utf-8"))


def seed(task: TaskSpec, **overrides: object) -> list:
    return load_examples(OmegaConf.merge(OmegaConf.structured(SeedDatasetConfig), overrides), task)


def test_seed_sentences_carry_their_facts_and_target_language() -> None:
    examples = seed(EN_ES)
    assert len(examples) == 12 and examples[0].references[0].startswith("Corea del Norte y Rusia")
    tonnage = examples[10]
    assert "190 tonnes" in tonnage.source and "190 toneladas" in tonnage.references[0]
    assert {f["id"] for f in tonnage.meta["facts"]} == {"ammunition_tonnage", "ammunition_estimate_source"}
    assert tonnage.meta["lang"] == "es" and tonnage.meta["published"].startswith("2024-06-20")
    # Evidence spanning two sentences goes to the one holding most of it; every key fact lands once.
    clause = [e.id[-3:] for e in examples if any(f["id"] == "mutual_defence_clause" for f in e.meta["facts"])]
    assert clause == ["s03"]
    assert sorted(f["id"] for e in examples for f in e.meta["facts"]) == sorted(f["id"] for f in SPEC["facts"])


def test_seed_document_mode_and_other_pairs() -> None:
    (document,) = seed(TaskSpec("translate", "en", "pl", "document"))
    assert len(document.meta["facts"]) == 12 and document.meta["lang"] == "pl"
    assert "190 ton amunicji" in document.references[0]
    reverse = seed(TaskSpec("translate", "es", "en"))
    assert reverse[0].source.startswith("Corea del Norte") and reverse[0].meta["lang"] == "en"
    with pytest.raises(DatasetError, match="task.target_lang='de'"):
        seed(TaskSpec("translate", "en", "de"))
    assert len(seed(EN_ES, limit=3)) == 3


def test_seed_summarisation_is_unchanged() -> None:
    (article,) = seed(TaskSpec("summarise"))
    assert len(article.references) == 2


def write(path: Path, lines: list[str]) -> str:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return str(path)


def parallel(**overrides: object) -> list:
    cfg = OmegaConf.merge(OmegaConf.structured(ParallelTextConfig), overrides)
    return load_examples(cfg, EN_ES)


def test_parallel_text_with_several_references(tmp_path: Path) -> None:
    source = write(tmp_path / "src.en", ["The cat.", "The dog.  "])
    refs = [
        write(tmp_path / "ref1.es", ["El gato.", "El perro."]),
        write(tmp_path / "ref2.es", ["Un gato.", "Un perro."]),
    ]
    examples = parallel(source=source, references=refs)
    assert [(e.id, e.source, e.references) for e in examples] == [
        ("0", "The cat.", ("El gato.", "Un gato.")),
        ("1", "The dog.", ("El perro.", "Un perro.")),  # trailing whitespace stripped, as sacrebleu does
    ]
    assert examples[1].meta == {"row": 1, "lang": "es"}


def test_parallel_text_errors_name_the_files(tmp_path: Path) -> None:
    source = write(tmp_path / "src.en", ["a", "b", "c"])
    ref = write(tmp_path / "ref.es", ["a", "b"])
    with pytest.raises(DatasetError, match=r"not line-aligned \(.*src.en: 3, .*ref.es: 2 lines\)"):
        parallel(source=source, references=[ref])
    with pytest.raises(InputError, match="does not exist"):
        parallel(source=str(tmp_path / "missing.en"))
    with pytest.raises(DatasetError, match="needs dataset.source"):
        parallel()


def test_parallel_text_without_source(tmp_path: Path) -> None:
    examples = parallel(references=[write(tmp_path / "ref.es", ["El gato.", "El perro."])])
    assert all(e.source == "" and e.meta["no_source"] for e in examples)


def test_hub_translation_column(tmp_path: Path) -> None:
    """A local folder stands in for the hub (same ``datasets.load_dataset`` path as wmt16 / wmt19)."""
    folder = tmp_path / "wmt-like"
    folder.mkdir()
    rows = [
        {"translation": {"de": "Der Hund.", "en": "The dog."}},
        {"translation": {"de": "Die Katze.", "en": "The cat."}},
    ]
    (folder / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = OmegaConf.merge(OmegaConf.structured(HubTranslationConfig), {"hub_name": str(folder), "split": "test"})
    examples = load_examples(cfg, TaskSpec("translate", "de", "en"))
    assert [(e.source, e.references) for e in examples] == [("Der Hund.", ("The dog.",)), ("Die Katze.", ("The cat.",))]
    assert load_examples(cfg, TaskSpec("translate", "en", "de"))[0].references == ("Der Hund.",)
    with pytest.raises(DatasetError, match="no 'es' text"):
        load_examples(cfg, EN_ES)


def test_presets_compose() -> None:
    from harness.app.hydra_app import compose_config

    wmt16 = compose_config(["task=translate", "dataset=wmt16_ro_en", "model=m2m100_418m"])
    wmt19 = compose_config(["task=translate", "dataset=wmt19_de_en", "model=nllb_200_distilled_600m"])
    assert (wmt16.dataset.hub_name, wmt16.dataset.config, wmt16.dataset.translation_column) == (
        "wmt/wmt16",
        "ro-en",
        "translation",
    )
    assert wmt16.model.tgt_lang_code == "es" and wmt19.dataset.config == "de-en"
    assert wmt19.task.default_metrics == ["bleu", "chrf", "ter", "facts", "language"]


@pytest.mark.slow
def test_jsonl_with_column_mapping_end_to_end(tmp_path: Path) -> None:
    rows = [
        {
            "en": "The cat sat on the mat.",
            "es": ["El gato se sentó en la alfombra.", "El gato estaba en la alfombra."],
            "system": "El gato se sentó en la alfombra.",
        },
        {"en": "It is raining.", "es": ["Está lloviendo.", "Llueve."], "system": "Llueve mucho."},
    ]
    data = tmp_path / "test.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    outputs = write(tmp_path / "outputs.txt", [r["system"] for r in rows])
    folder = run_harness(
        tmp_path,
        "task=translate",
        "dataset=files",
        f"dataset.path={data}",
        "dataset.source_column=en",
        "dataset.reference_column=es",
        "model=predictions",
        f"model.path={outputs}",
        "metrics.names=[bleu,chrf,bertscore]",
    )
    metrics = read_metrics(folder)
    assert metrics["bleu"]["signature"].startswith("nrefs:2|")
    assert 0 < metrics["bertscore_f1"]["value"] <= 1  # BERTScore (offline MiniLM by default) on translations
    scores = read_jsonl(folder / "scores.jsonl")
    assert scores[0]["scores"]["sentence_chrf"] == pytest.approx(100.0)


@pytest.mark.parametrize("lang", ["es", "pl"])
def test_reference_translations_preserve_every_fact(lang: str, tmp_path: Path) -> None:
    """The human translations, scored as system outputs: perfect overlap, every key fact kept, on target."""
    outputs = write(tmp_path / f"reference.{lang}", SPEC["translation"][lang])
    folder = run_harness(
        tmp_path,
        "task=translate",
        f"task.target_lang={lang}",
        "model=predictions",
        f"model.path={outputs}",
        "dataset=seed",
    )
    metrics = read_metrics(folder)
    assert metrics["bleu"]["value"] == pytest.approx(100.0) and metrics["ter"]["value"] == 0.0
    assert metrics["facts.recall"]["value"] == 1.0 and metrics["facts.contradiction_rate"]["value"] == 0.0
    assert metrics["language.on_target"]["value"] == 1.0 and metrics["language.copy"]["value"] == 0.0

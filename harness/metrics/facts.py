"""Fact metrics: verdicts against annotated key facts, and automatic checks without annotation.

Per-example keys of ``KeyFactsMetric`` ("facts"):
  facts.recall              supported / all facts (numeric)
  facts.contradiction_rate  contradicted / mentioned; OMITTED when the output mentions no fact,
                            so the runner's mean is over outputs that mention something (a NaN
                            would poison a plain mean)
  facts.<id>.supported      0/1 per fact, and facts.<id>.contradicted 0/1 (per-fact table)
  facts.verdicts            list of {fact_id, kind, verdict, span, text, reason, lang} (details,
                            non-numeric); ``reason`` says which mention decided and why (its binding's
                            cue words, the clause's similarity and negations), ``lang`` the rules used
  facts.lang                the language the output was checked in, and how it was chosen (details)
Examples without ``meta["facts"]`` get an empty dict.

The output is checked in the language it is written in: the task's target language for translation
and for a summary asked in another language than its source (``task.target_lang``), else the
language lingua detects in the output (falling back to ``meta["lang"]``, then English).

Per-example keys of ``AutoFactsMetric`` ("auto_facts"):
  auto_facts.unsupported_rate      unsupported / all dates, numbers, entities (omitted when none)
  auto_facts.unsupported_numbers   count of numbers not in the source
  auto_facts.unsupported_dates     count of dates not in the source
  auto_facts.unsupported_entities  count of entities not in the source
  auto_facts.reference_recall      reference dates/numbers found in the output (omitted when none)
  auto_facts.unsupported           list of {type, text, span} (details, non-numeric)
  auto_facts.flagged               1 when the output has an unsupported item or NOVEL_WORDS_FLAG content
                                   words the source never states, else 0
  auto_facts.reasons               why it is flagged (details, list of strings)
  auto_facts.flagged_spans         the output spans the flag rests on, {type, text, span} (details)
  English only (relation checks, harness.facts.relations):
  auto_facts.novel_words           count of content words the source never states
  auto_facts.worst_gap             the graded error score, higher is worse: how far the worst-supported
                                   word's best source sentence falls short of its sentence's best one
  auto_facts.mentions              list of {text, span, role, support, gap, in_source, evidence} (details)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from harness.data.example import Example
from harness.facts.auto import NOVEL_WORDS_FLAG, check_auto_many, extractor_name, spacy_name
from harness.facts.checker import check_facts
from harness.facts.clauses import CLAUSE_THRESHOLD, KEYWORD_ONLY_SHARE, KEYWORD_WEIGHT, NLIDecider
from harness.facts.dates import RULE_LANGS
from harness.facts.relations import RELATIONS_VERSION
from harness.facts.spec import Fact, parse_facts
from harness.facts.table import contradiction_rate, fact_table, recall
from harness.metrics.base import Metric, ScoringInput
from harness.metrics.config import MetricsConfig
from harness.metrics.language import detect_language
from harness.metrics.metadata import HIGHER, LOWER
from harness.metrics.nli import nli_model
from harness.metrics.signature import Signature
from harness.metrics.support.device import metric_device
from harness.metrics.support.embedder import sentence_similarity


def example_facts(example: Example) -> tuple[Fact, ...]:
    """The example's facts, validated (raw dicts from a column or side file, or parsed facts)."""
    raw = example.meta.get("facts") or ()
    if all(not isinstance(f, dict) for f in raw):
        return tuple(raw)
    return parse_facts(list(raw), str(example.meta.get("facts_origin", f"example {example.id}")))


def example_anchor(example: Example) -> datetime | None:
    published = example.meta.get("published")
    return datetime.fromisoformat(str(published)) if published else None


def output_language(output: str, example: Example, target_lang: str | None) -> tuple[str, str]:
    """(language code, how it was chosen) for checking ``output``: the task's target language when
    one is set, else the language detected in the output when the rules know it (en, es, pl), else
    the example's, else English."""
    if target_lang:
        return target_lang, "task.target_lang"
    detected = detect_language(output)
    if detected in RULE_LANGS:
        return detected, "detected"
    meta = example.meta.get("lang")
    how = f"detected {detected}, which has no rules" if detected else "none detected"
    return (str(meta), f"meta.lang; {how}") if meta else ("en", f"default; {how}")


def task_target_lang(task: Any) -> str | None:
    """The language a task asks its outputs in: a translation's target, or a summary's target when it
    differs from the source (a cross-lingual summary); None when the output's language must be detected."""
    if task is None:
        return None
    if task.name == "translate" or task.target_lang != task.source_lang:
        return str(task.target_lang)
    return None


class KeyFactsMetric(Metric):
    name: ClassVar[str] = "facts"
    parallel: ClassVar[bool] = True
    score_keys = {
        "facts.recall": HIGHER,
        "facts.contradiction_rate": LOWER,
        "facts.*.supported": HIGHER,
        "facts.*.contradicted": LOWER,
    }

    def __init__(
        self,
        lang: str | None = None,
        nli: NLIDecider | None = None,
        nli_name: str | None = None,
        device: str = "cpu",
    ) -> None:
        """``lang`` fixes the output language (else it is detected per output); ``nli`` decides clause
        facts instead of the MiniLM similarity when given (``nli_name``, its signature, names it in ours);
        ``device`` is where the MiniLM runs."""
        self.lang = lang
        self.nli = nli
        self.nli_name = nli_name
        self.device = device

    def signature(self) -> str:
        clauses = (
            f"nli:{self.nli_name}"
            if self.nli is not None
            else f"minilm-l6-mean+{KEYWORD_WEIGHT:g}*keywords>={CLAUSE_THRESHOLD:g}(en),"
            f"keywords>={KEYWORD_ONLY_SHARE:.2f}"
        )
        parse = f"{spacy_name() or 'none'}(en)"  # dates of reports, agents, names (harness.facts.syntax)
        settings = {
            "checker": "rules-v4",
            "parse": parse,
            "lang": self.lang or "detected",
            "anchor": "published",
            "clauses": clauses,
        }
        return Signature("facts", settings).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        return [self._score_one(item) for item in batch]

    def _score_one(self, item: ScoringInput) -> dict[str, Any]:
        facts = example_facts(item.example)
        if not facts:
            return {}
        lang, chosen = output_language(item.output, item.example, self.lang)
        verdicts = check_facts(
            item.output,
            facts,
            anchor=example_anchor(item.example),
            lang=lang,
            similarity=partial(sentence_similarity, device=self.device),
            nli=self.nli,
        )
        values: dict[str, Any] = {"facts.recall": recall(verdicts)}
        rate = contradiction_rate(verdicts)
        if rate is not None:
            values["facts.contradiction_rate"] = rate
        for v in verdicts:
            values[f"facts.{v.fact_id}.supported"] = float(v.verdict == "supported")
            values[f"facts.{v.fact_id}.contradicted"] = float(v.verdict == "contradicted")
        values["facts.verdicts"] = [v.as_dict() | {"lang": lang} for v in verdicts]
        values["facts.lang"] = f"{lang} ({chosen})"
        return values

    def tables(self, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """``facts``: per key fact, how many outputs support, contradict or miss it."""
        table = fact_table(r["facts.verdicts"] for r in results if "facts.verdicts" in r)
        return {"facts": table} if table else {}


# v3: sources tokenised and lemmatised without tagging (relations lexical-gap-v3), outputs parsed in
# batches, tokenised hyphens ("Saint - Germain") matched to the source's hyphenated words.
AUTO_FACTS_VERSION = 3


class AutoFactsMetric(Metric):
    name: ClassVar[str] = "auto_facts"
    parallel: ClassVar[bool] = True
    score_keys = {
        "auto_facts.unsupported_*": LOWER,
        "auto_facts.reference_recall": HIGHER,
        "auto_facts.flagged": LOWER,
        "auto_facts.novel_words": LOWER,
        "auto_facts.worst_gap": LOWER,  # the worst-supported word's gap: higher is worse
    }

    def __init__(self, lang: str | None = None) -> None:
        """``lang`` fixes the output language; by default it is chosen per output as for ``facts``."""
        self.lang = lang

    def signature(self) -> str:
        settings = {
            "extractor": extractor_name(self.lang or "en"),
            "lang": self.lang or "detected",
            "relations": RELATIONS_VERSION,
            "flag": f"novel>={NOVEL_WORDS_FLAG}",
        }
        return Signature(f"auto_facts:v{AUTO_FACTS_VERSION}", settings).format()

    def score(self, batch: Sequence[ScoringInput]) -> list[dict[str, Any]]:
        inputs = [
            (
                item.output,
                item.example.source,
                item.example.references,
                output_language(item.output, item.example, self.lang)[0],
            )
            for item in batch
        ]
        out = []
        for res in check_auto_many(inputs):
            values: dict[str, Any] = {
                "auto_facts.unsupported_numbers": float(res.count("number", unsupported=True)),
                "auto_facts.unsupported_dates": float(res.count("date", unsupported=True)),
                "auto_facts.unsupported_entities": float(res.count("entity", unsupported=True)),
            }
            if res.unsupported_rate is not None:
                values["auto_facts.unsupported_rate"] = res.unsupported_rate
            if res.reference_recall is not None:
                values["auto_facts.reference_recall"] = res.reference_recall
            values["auto_facts.unsupported"] = [i.as_dict() for i in res.unsupported]
            values["auto_facts.flagged"] = float(res.flagged)
            values["auto_facts.reasons"] = res.reasons
            values["auto_facts.flagged_spans"] = res.flagged_spans
            if res.mentions:
                values["auto_facts.novel_words"] = float(len(res.novel_words))
                values["auto_facts.worst_gap"] = res.worst_gap
                values["auto_facts.mentions"] = [m.as_dict() for m in res.mentions]
            out.append(values)
        return out


def build_facts(cfg: MetricsConfig, task: Any) -> Metric:
    """Clause facts are decided by the ``metrics.nli`` checker when one is configured (``+nli_model=...``):
    an NLI model's most probable label, a MiniCheck checker's supported or not; its signature names it."""
    device = metric_device(cfg.device)
    if cfg.nli.name_or_path is None:
        return KeyFactsMetric(task_target_lang(task), device=device)
    checker = nli_model(cfg)
    return KeyFactsMetric(task_target_lang(task), checker.decide, checker.signature(), device)


def build_auto_facts(cfg: MetricsConfig, task: Any) -> Metric:
    return AutoFactsMetric(task_target_lang(task))

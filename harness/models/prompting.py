"""Prompts for instruction-following models (``hf_causal``, ``openai_compatible``): one template per task.

A template may use ``{source}``, ``{source_lang}`` and ``{target_lang}`` (English language names, e.g.
"Spanish", which instruction models follow better than codes).
"""

from __future__ import annotations

from typing import Any

from lingua import IsoCode639_1, Language

from harness.core.task import TaskSpec
from harness.models.base import ModelLoadError

DEFAULT_PROMPTS = {
    "translate": (
        "Translate the following {source_lang} text into {target_lang}. "
        "Reply with the translation only, without notes.\n\n{source}"
    ),
    "summarise": "Summarise the following article in three sentences. Reply with the summary only.\n\n{source}",
}


def language_name(code: str) -> str:
    """``es`` -> ``Spanish``; codes lingua does not know are returned as they are."""
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code)).name.capitalize()
    except ValueError:
        return code


def prompt_template(configured: str | None, task: TaskSpec) -> str:
    """The configured template, else the task's default; fails at load time on unknown placeholders."""
    template = configured or DEFAULT_PROMPTS.get(task.name)
    if template is None:
        raise ModelLoadError(f"no default prompt for task {task.name!r}; set model.prompt")
    try:
        template.format(source="", source_lang="", target_lang="")
    except (KeyError, IndexError, ValueError) as error:
        raise ModelLoadError(
            f"model.prompt: {error!r}; the placeholders are {{source}}, {{source_lang}} and {{target_lang}}"
        ) from error
    if "{source}" not in template:
        raise ModelLoadError("model.prompt must contain {source}")
    return template


def chat_messages(template: str, system_prompt: str | None, source: str, task: TaskSpec) -> list[dict[str, Any]]:
    """The conversation sent to the model: an optional system message, then the filled-in prompt."""
    prompt = template.format(
        source=source, source_lang=language_name(task.source_lang), target_lang=language_name(task.target_lang)
    )
    system = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return [*system, {"role": "user", "content": prompt}]

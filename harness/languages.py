"""Language codes (``task.source_lang``, ``task.target_lang``): the ISO 639-1 codes (BCP-47 primary language
subtags) of the languages lingua identifies, which the metrics' language-specific choices key on (ROUGE's
tokenizer and stemmer, sacrebleu's tokenizer, the off-target check). Case is normalised (``EN`` is ``en``);
any other code (``xx``, ``esp``, ``pt-BR``) would silently get a language-neutral treatment, so it is refused.
"""

from __future__ import annotations

from functools import cache

from lingua import Language

from harness.errors import ConfigError


@cache
def known_languages() -> tuple[str, ...]:
    return tuple(sorted(language.iso_code_639_1.name.lower() for language in Language.all()))


def language_code(value: object, option: str) -> str:
    """``value`` as a known code in lower case, or :class:`ConfigError` naming ``option`` and the known codes."""
    code = str(value).strip().lower()
    if code not in known_languages():
        raise ConfigError(
            f"{option}={value!r}: expected an ISO 639-1 language code (BCP-47 primary language subtag) that the "
            f"metrics know: {', '.join(known_languages())}"
        )
    return code

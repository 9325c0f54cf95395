"""Language codes (``task.source_lang``, ``task.target_lang``): the ISO 639-1 codes (BCP-47 primary language
subtags) of the languages lingua identifies, which the metrics' language-specific choices key on (ROUGE's
tokenizer and stemmer, sacrebleu's tokenizer, the off-target check). Case is normalised (``EN`` is ``en``);
a BCP-47 tag with a script or region (``pt-BR``, ``zh-Hant``, ``es-419``) runs as its language, which is
said on stderr; any other code (``xx``, ``esp``) would silently get a language-neutral treatment, so it is
refused.
"""

from __future__ import annotations

import re
import sys
from functools import cache

from lingua import Language

from harness.core.errors import ConfigError


@cache
def known_languages() -> tuple[str, ...]:
    return tuple(sorted(language.iso_code_639_1.name.lower() for language in Language.all()))


# A primary language subtag, then an optional script (4 letters) and region (2 letters or 3 digits).
_BCP47 = re.compile(r"(?P<language>[a-z]{2})(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?")


def language_code(value: object, option: str) -> str:
    """``value``'s language as a known code in lower case, or :class:`ConfigError` naming ``option`` and the
    known codes."""
    given = str(value).strip()
    tag = _BCP47.fullmatch(given.lower())
    code = tag["language"] if tag else given.lower()
    if code not in known_languages():
        raise ConfigError(
            f"{option}={value!r}: expected an ISO 639-1 language code that the metrics know, alone or in a BCP-47 "
            f"tag with a script or region (pt-BR): {', '.join(known_languages())}"
        )
    if "-" in given:
        print(f"harness: warning: {option}={given}: the metrics use its language, {code}", file=sys.stderr)
    return code

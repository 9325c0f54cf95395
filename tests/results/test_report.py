from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness.app.cli.main import main
from harness.results.report import Highlight, highlight
from runfolders import write_run
from testkit import requires

ATTACK = "Pact signed in 2023 <script>alert('x')</script> & <img src=x onerror=alert(1)>"
EXAMPLES = [
    {
        "id": "ex<1>",
        "source": "Russia and <b>North Korea</b> signed a pact in 2024.",
        "references": ["Pact signed in 2024."],
        "meta": {},
    }
]


def _facts(verdict: str) -> dict[str, Any]:
    return {
        "facts.verdicts": [
            {"fact_id": "year", "kind": "date", "verdict": verdict, "span": [15, 19], "text": "signed in 2024"},
            {"fact_id": "who", "kind": "entity", "verdict": "supported", "span": None, "text": "Russia & DPRK"},
        ],
        "auto_facts.unsupported": [
            {"type": "date", "text": "2023", "span": [15, 19]},
            {"type": "entity", "text": "Pact", "span": [0, 4]},
        ],
    }


@pytest.fixture
def report(tmp_path: Path) -> Path:
    for model, output, verdict, rouge in [
        ("lead", "Pact signed in 2024.", "supported", 0.6),
        ("evil", ATTACK, "contradicted", 0.2),
    ]:
        write_run(
            tmp_path / "results",
            task="summarise",
            model=model,
            dataset="seed",
            examples=EXAMPLES,
            outputs=[output],
            scores=[
                {
                    "rouge1": rouge,
                    "facts.recall": 1.0 if verdict == "supported" else 0.5,
                    "facts.year.supported": float(verdict == "supported"),
                }
            ],
            details=[_facts(verdict)],
            signatures={"rouge1": "rouge", "facts.recall": "facts", "facts.year.supported": "facts"},
            tables={
                "facts": {
                    "year": {
                        "supported": int(verdict == "supported"),
                        "contradicted": int(verdict != "supported"),
                        "absent": 0,
                    },
                    "who": {"supported": 1, "contradicted": 0, "absent": 0},
                }
            },
            stamp=f"2026-01-01/1{len(model)}-00-00",
        )
    out = tmp_path / "report.html"
    assert main(["report", str(tmp_path / "results"), "-o", str(out)]) == 0
    return out


def test_report_escapes_untrusted_text_and_highlights(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert not re.search(r"<script|<img src=x", page, re.IGNORECASE)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;North Korea&lt;/b&gt;" in page and "ex&lt;1&gt;" in page
    assert '<mark class="contradicted" title="contradicts key fact year">2023</mark>' in page
    assert '<mark class="unsupported" title="entity not in the source">Pact</mark>' in page
    assert "Content-Security-Policy" in page and "http" not in page.replace("http-equiv", "")
    assert page.count('src="data:image/png;base64,') == 1
    assert "0 / 1 / 0" in page and "1 / 0 / 0" in page  # per-fact verdict counts
    assert "facts.year.supported" not in page  # per-fact indicators are in the fact table only


def test_content_security_policy_allows_no_script_or_network(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    directives = {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}
    # Everything is denied by default; only inline styles and data: images (the charts) are allowed.
    assert directives == {"default-src": ["'none'"], "img-src": ["data:"], "style-src": ["'unsafe-inline'"]}


def test_highlight_trims_overlaps_and_clamps() -> None:
    text = highlight("a<b>cdef", [Highlight(1, 4, "x", "n"), Highlight(2, 6, "y", "m"), Highlight(7, 99, "z", "")])
    assert text == (
        'a<mark class="x" title="n">&lt;b&gt;</mark><mark class="y" title="m">cd</mark>e'
        '<mark class="z" title="">f</mark>'
    )


@requires(shutil.which("chromium") is not None, "Debian's chromium", "apt-get install -y chromium")
@pytest.mark.slow
def test_report_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    """Render the report offline in headless Chromium: a screenshot, and the live DOM, in which the
    output's <script> is text, not an element. HARNESS_SCREENSHOT=path keeps the screenshot."""
    screenshot = Path(os.environ.get("HARNESS_SCREENSHOT") or tmp_path / "report.png")
    flags = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,1800"]
    subprocess.run(
        [*flags, f"--screenshot={screenshot}", report.as_uri()], check=True, capture_output=True, timeout=120
    )
    assert screenshot.stat().st_size > 10_000
    dom = subprocess.run(
        [*flags, "--dump-dom", report.as_uri()], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in dom

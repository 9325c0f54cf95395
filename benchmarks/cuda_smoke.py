"""CUDA smoke test of the hf_seq2seq generation backend (run on a machine with a GPU).

Builds the tiny T5 and BART models, generates on the seed article and sentences on the CPU and on CUDA,
and checks that: ``device=auto`` picks CUDA; float32 outputs on CUDA equal the CPU outputs (greedy
decoding); float16 and bfloat16 run and give outputs; truncation flags agree. Prints one JSON report.

    python benchmarks/cuda_smoke.py [--out report.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
from omegaconf import OmegaConf

from harness.core.paths import PROJECT_ROOT
from harness.core.task import TaskSpec
from harness.data.example import Example
from harness.data.seed import seed_summarisation_examples
from harness.models.config import TinyModelConfig
from harness.models.tiny import TinySeq2SeqModel


def examples() -> list[Example]:
    seed = seed_summarisation_examples(PROJECT_ROOT / "seeds" / "russia-dprk-pact.yaml", ["short"])
    sentences = seed[0].source.replace("\n\n", " ").split(". ")
    return seed + [Example(f"s{i}", s) for i, s in enumerate(sentences)]


def generate(
    architecture: str, cache: Path, device: str, dtype: str
) -> tuple[list[str | None], list[bool], float, str]:
    cfg = OmegaConf.structured(
        TinyModelConfig(
            name=f"tiny_{architecture}",
            architecture=architecture,
            cache_dir=str(cache),
            device=device,
            dtype=dtype,
            num_beams=1,
            max_new_tokens=32,
            min_new_tokens=8,
            batch_size=8,
        )
    )
    model = TinySeq2SeqModel(cfg, TaskSpec())
    data = examples()
    start = time.perf_counter()
    generations = model.generate(data)
    if model.device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return [g.output for g in generations], [g.truncated for g in generations], seconds, model.device


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict[str, object] = {"cuda_available": torch.cuda.is_available(), "torch": torch.__version__}
    if torch.cuda.is_available():
        report["gpu"] = torch.cuda.get_device_name(0)
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as cache:
        for architecture in ("t5", "bart"):
            cpu, cpu_truncated, cpu_seconds, _ = generate(architecture, Path(cache), "cpu", "float32")
            auto, auto_truncated, auto_seconds, auto_device = generate(architecture, Path(cache), "auto", "float32")
            entry: dict[str, object] = {
                "examples": len(cpu),
                "cpu_seconds": cpu_seconds,
                "auto_device": auto_device,
                "auto_seconds": auto_seconds,
                "fp32_equal_to_cpu": cpu == auto,
                "truncation_equal": cpu_truncated == auto_truncated,
                "truncated": sum(cpu_truncated),
            }
            if not auto_device.startswith("cuda"):
                failures.append(f"{architecture}: device=auto chose {auto_device}")
            if cpu != auto:
                entry["first_difference"] = next(
                    {"cpu": a, "cuda": b} for a, b in zip(cpu, auto, strict=True) if a != b
                )
                failures.append(f"{architecture}: float32 outputs differ between CPU and CUDA")
            for dtype in ("float16", "bfloat16"):
                outputs, _, seconds, _ = generate(architecture, Path(cache), "cuda", dtype)
                entry[f"{dtype}_seconds"] = seconds
                entry[f"{dtype}_nonempty"] = sum(bool(o) for o in outputs)
                entry[f"{dtype}_agreement_with_fp32"] = sum(a == b for a, b in zip(outputs, auto, strict=True)) / len(
                    outputs
                )
                if not all(outputs):
                    failures.append(f"{architecture}: {dtype} gave empty outputs")
            report[architecture] = entry
    report["failures"] = failures
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()

"""Reading a W&B offline run back for tests: its transaction log (``run-<id>.wandb``, what ``wandb sync``
uploads) parsed into wandb's own protobuf ``Record`` messages. wandb 0.2x dropped its Python reader of
this file (the Go core reads it), so the framing is read here: LevelDB's log format, which W&B
documents for its ``.wandb`` files: a 7-byte header ``:W&B`` + magic + version, then 32 KiB blocks of
records, each with a 7-byte header (CRC, length, type: full, first, middle or last)."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wandb.proto import wandb_internal_pb2

_BLOCK = 32768
_HEADER = 7
_FULL, _LAST = 1, 4


def read_records(path: Path) -> list[wandb_internal_pb2.Record]:
    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path}: not a W&B transaction log"
    records, chunks, pos = [], b"", _HEADER
    while pos + _HEADER <= len(data):
        if _BLOCK - pos % _BLOCK < _HEADER:  # a block's tail too short for a header is padding
            pos += _BLOCK - pos % _BLOCK
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + _HEADER])
        chunks += data[pos + _HEADER : pos + _HEADER + length]
        pos += _HEADER + length
        if kind in (_FULL, _LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(chunks)
            records.append(record)
            chunks = b""
    return records


@dataclass
class OfflineRun:
    id: str
    name: str
    group: str
    job_type: str
    tags: list[str]
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    artifact_files: dict[str, list[str]] = field(default_factory=dict)  # artifact name -> file names


def read_offline_run(run_dir: Path) -> OfflineRun:
    """One ``offline-run-*`` folder: the run's identity, final config and summary, logged artifacts."""
    (log,) = run_dir.glob("run-*.wandb")
    records = read_records(log)
    (run_record,) = [r.run for r in records if r.WhichOneof("record_type") == "run"]
    run = OfflineRun(
        run_record.run_id,
        run_record.display_name,
        run_record.run_group,
        run_record.job_type,
        list(run_record.tags),
    )
    for item in run_record.config.update:
        run.config[item.key] = json.loads(item.value_json)
    for record in records:
        kind = record.WhichOneof("record_type")
        if kind == "config":
            run.config.update({item.key: json.loads(item.value_json) for item in record.config.update})
        elif kind == "summary":
            run.summary.update({item.key: json.loads(item.value_json) for item in record.summary.update if item.key})
        elif kind == "artifact":
            run.artifact_files[record.artifact.name] = [entry.path for entry in record.artifact.manifest.contents]
    return run


def offline_runs(wandb_dir: Path) -> list[OfflineRun]:
    return [read_offline_run(d) for d in sorted(wandb_dir.glob("wandb/offline-run-*"))]

"""Random access to a run's ``predictions.jsonl`` by example id, holding only byte offsets in memory."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType

from harness.runfolder.schema import PredictionRecord


class PredictionsIndex:
    """``index[id]`` reads that example's prediction from disk; the file may be in any order."""

    def __init__(self, path: Path) -> None:
        self.offsets: dict[str, int] = {}
        self._stream = path.open("rb")
        offset = 0
        for line in self._stream:
            self.offsets[json.loads(line)["id"]] = offset
            offset += len(line)

    def __len__(self) -> int:
        return len(self.offsets)

    def __contains__(self, example_id: object) -> bool:
        return example_id in self.offsets

    def __getitem__(self, example_id: str) -> PredictionRecord:
        self._stream.seek(self.offsets[example_id])
        return json.loads(self._stream.readline())

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> PredictionsIndex:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

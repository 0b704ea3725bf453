"""A JSON label giving one key twice, spelt two ways: fixb44 refuses ``{"outcome": "success", "outcome": "failure"}``
(attack44's case), comparing keys as written; but ``ingest/labels_file.py::_label`` reads each key stripped and
lower-cased, so ``"Outcome"`` or ``"outcome "`` beside ``"outcome"`` is the same column given twice, and the later
silently wins (``"RUN_ID"`` moves the label to another run). attack45's strict xfails, made plain by storeb45 (the
reader folds keys before looking for repeats, and the error names the file, the line or item and both spellings);
read_labels alone, no store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest.labels_file import read_labels


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@pytest.mark.parametrize(
    "row",
    [
        '{"run_id": "r1", "outcome": "success", "Outcome": "failure"}',
        '{"run_id": "r1", "outcome": "success", "outcome ": "failure"}',
        '{"run_id": "r1", "outcome": "success", "RUN_ID": "r2"}',
    ],
    ids=["case", "space", "run-id"],
)
def test_a_label_giving_one_key_twice_in_two_spellings_is_refused(
    tmp_path: Path, suffix: str, row: str
) -> None:
    labels = tmp_path / f"labels{suffix}"
    labels.write_text(f"[{row}]" if suffix == ".json" else row + "\n", encoding="utf-8")
    with pytest.raises(wb.IngestError, match="twice") as err:
        read_labels(labels)
    keys = [key for key, _ in json.loads(row, object_pairs_hook=list)]
    again = keys[-1]  # the key spelt the second way, and the one it repeats
    first = next(key for key in keys if key.strip().lower() == again.strip().lower())
    message = str(err.value)
    assert str(labels) in message
    assert ("item 1" if suffix == ".json" else "line 1") in message
    assert repr(first) in message and repr(again) in message

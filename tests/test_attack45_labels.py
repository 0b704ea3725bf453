"""A JSON label giving one key twice, spelt two ways: fixb44 refuses ``{"outcome": "success", "outcome": "failure"}``
(attack44's case), comparing keys as written; but ``ingest/labels_file.py::_label`` reads each key stripped and
lower-cased, so ``"Outcome"`` or ``"outcome "`` beside ``"outcome"`` is the same column given twice, and the later
silently wins (``"RUN_ID"`` moves the label to another run). attack45's strict xfails; read_labels alone, no store."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest.labels_file import read_labels


@pytest.mark.xfail(
    strict=True,
    reason="attack45: labels_file._pairs / _repeated_keys compare a label's keys as written, _label folds them "
    "(strip, lower): 'Outcome' (or 'outcome ', 'RUN_ID') beside 'outcome' ('run_id') is one key given twice, and "
    "the later value is taken silently",
)
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
    with pytest.raises(wb.IngestError, match="twice"):
        read_labels(labels)

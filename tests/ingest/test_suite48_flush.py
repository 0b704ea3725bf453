"""suite48: the reader agreement check run at a worker's end (tests/ingest/_reader_agreement.py) names every test
whose files the two readers store differently, not only the first batch's, and says where it is reported."""

from __future__ import annotations

from pathlib import Path

import _reader_agreement as ra
import pytest


def test_a_flush_reads_every_batch_and_names_each_test_that_wrote_a_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = ra.WrittenFiles()
    written.pending = [([tmp_path / f"{n}.otlp.jsonl"], f"tests/ingest/test_x.py::test_{n}") for n in "abc"]
    read = []

    def each(units: list[list[Path]], names: list[str]) -> None:  # (the readers disagreeing on a and c)
        read.extend(names)
        if names[0].endswith(("_a", "_c")):
            raise AssertionError(f"{names[0]}: steps.line [r1]: '1' != '1001'")

    monkeypatch.setattr(ra, "independent_batches", lambda units: [[0], [1], [2]])
    monkeypatch.setattr(ra, "assert_same_each", each)
    with pytest.raises(AssertionError) as e:
        written.flush()
    assert read == [f"tests/ingest/test_x.py::test_{n}" for n in "abc"] and written.pending == []
    message = str(e.value)
    assert "test_x.py::test_a: steps.line" in message and "test_x.py::test_c: steps.line" in message, message
    assert (
        "test_x.py::test_b" not in message and "reported at the teardown of the test that ran then" in message
    )

"""bench/ingest_phases.py (issue 11): an ingest call's timings lines summed into phases, every mark of the call in
one phase, nothing counted twice. Read from a real chunked call (the driver's own lines, _timings on), not timed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest import _driver, _jsonio, _timings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import ingest as bench_ingest  # noqa: E402
import ingest_phases  # noqa: E402


def test_phases_of_a_chunked_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "otlp.jsonl"
    bench_ingest.write_otlp(path, 60)  # (three traces of 20 spans)
    monkeypatch.setattr(_timings, "ENABLED", True)
    monkeypatch.setattr(
        _jsonio, "SQL_MIN_BYTES", 0
    )  # (the SQL fast path, its stage copy, for a small file too)
    monkeypatch.setattr(_driver, "MERGE_CHUNK_STEPS", 20)  # (a chunk a trace)
    with wb.open(tmp_path / "s.duckdb") as ws:
        assert ws.ingest(path, progress=False).added == 60
    lines = capsys.readouterr().out.splitlines()
    got = ingest_phases.phases(lines)
    marks = [ln for ln in lines if ln.startswith("[ingest]")]
    assert [re.sub(r".*until ", "", m) for m in marks] == [
        "staged",
        "merged chunk 0",
        "merged chunk 1",
        "merged chunk 2",
        "merged",
        "committed",
    ]
    cpu = [float(re.search(r"([\d.]+) s CPU", m).group(1)) for m in marks]
    # (the phases between the marks add up to the marks, each mark in one phase: staging's parts to the first)
    assert sum(v for k, v in got.items() if k != "checkpoint") == pytest.approx(sum(cpu), abs=1e-6)
    assert got["merge, other chunks"] == pytest.approx(cpu[2] + cpu[3], abs=1e-6)
    staged = [ln for ln in lines[: lines.index(marks[0])] if ln.startswith("[stage]")]
    copies = [ln for ln in staged if "INSERT INTO stage_steps" in ln]
    assert copies and got["stage copy"] == pytest.approx(
        sum(float(re.search(r"([\d.]+) s CPU", ln).group(1)) for ln in copies), abs=1e-6
    )
    with pytest.raises(ValueError, match="does not know"):
        ingest_phases.phases([*lines, "[ingest]    0.10 s wall    0.10 s CPU     100 MB peak  until renamed"])

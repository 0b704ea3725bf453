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
    # a native file's line scan ([scan]: its thread's CPU so far, at the end of the other records' copies, of the
    # steps', in all) is taken out of the phases it ran beside: a phase of its own, nothing counted twice
    at = lines.index(marks[0])
    scan = [
        f"[scan]    0.00 s wall    {cpu:.2f} s CPU     100 MB peak  line scan, {what}"
        for cpu, what in (
            (0.01, "until the other records' copies ended"),
            (0.03, "until the steps' copy ended"),
            (0.05, "in all"),
        )
    ]
    scanned = ingest_phases.phases([*lines[:at], *scan, *lines[at:]])
    assert scanned["stage line scan"] == pytest.approx(0.05)
    assert scanned["stage copy"] == pytest.approx(got["stage copy"] - 0.02)
    assert scanned["stage Python"] == pytest.approx(got["stage Python"] - 0.02)
    assert sum(scanned.values()) == pytest.approx(sum(got.values()), abs=1e-6)
    with pytest.raises(ValueError, match="does not know"):
        ingest_phases.phases([*lines, "[ingest]    0.10 s wall    0.10 s CPU     100 MB peak  until renamed"])

"""A native step's negative ``latency_ms`` is quarantined naming the field, alike by the whole-file read, the block
read and the Python reader (each of the SQL paths hands the line to Python); zero and -0.0 are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_native_fast import good_lines
from test_native_file import stage_file, staged

from workbench.ingest import native


def _lines() -> list[str]:
    odd = [-5, -0.25, "-5", 0, -0.0, 3.5]
    return good_lines() + [
        json.dumps({"record": "step", "run_id": "r1", "step_id": f"l{i}", "seq": 50 + i, "latency_ms": v})
        for i, v in enumerate(odd)
    ]


@pytest.mark.parametrize("path_", ["whole", "block"])
def test_a_negative_latency_is_quarantined_by_every_native_path_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_: str
) -> None:
    path = tmp_path / "latency.jsonl"
    path.write_text("\n".join(_lines()) + "\n", encoding="utf-8")
    slow = staged(*stage_file(path, fast=False)[:2])
    if path_ == "block":
        monkeypatch.setattr(native, "stage_native_file", lambda *args: False)
    con, stage, whole = stage_file(path, fast=True)
    assert whole == (path_ == "whole")
    fast = staged(con, stage)
    assert fast == slow
    bad = [q for q in fast["quarantine"] if q["step_id"] in ("l0", "l1", "l2")]
    assert sorted(q["reason"] for q in bad) == [
        "latency_ms must be 0 or more (got -0.25)",
        "latency_ms must be 0 or more (got -5)",
        "latency_ms must be 0 or more (got -5)",
    ]
    kept = {s["step_id"]: s["latency_ms"] for s in fast["steps"] if s["step_id"].startswith("l")}
    assert kept == {"l3": 0, "l4": 0, "l5": 3.5}
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])

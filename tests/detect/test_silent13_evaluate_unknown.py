"""evaluate_detectors on a store holding runs of unknown outcome beside labelled ones: a finding on a run
whose truth nobody knows is neither a hit nor a false alarm. The runs are written in workbench's native
JSONL shape (the simulator's): two labelled runs (one truly failed, one a success) and two OTel-like runs
with unknown outcome, each with a final answer stating a value no tool output supports."""

from __future__ import annotations

import pandas as pd

import workbench as wb
from workbench.detect import evaluate_detectors


def _run(run_id: str, reported: str, answer: str) -> list[dict]:
    # a declared outcome, or none and span statuses left unset (an OTel root's usual status)
    run = {"record": "run", "run_id": run_id, "system": "shop"}
    if reported != "unknown":
        run["outcome"] = reported
    status = "ok" if reported != "unknown" else "unset"
    return [
        run,
        {
            "run_id": run_id,
            "step_id": "s0",
            "seq": 0,
            "kind": "tool",
            "agent": "clerk",
            "tool": "get_stock",
            "status": status,
            "input": '{"sku": "WID-7"}',
            "output": '{"sku": "WID-7", "units": 120}',
        },
        {
            "run_id": run_id,
            "step_id": "s1",
            "seq": 1,
            "kind": "llm",
            "agent": "writer",
            "status": status,
            "output": answer,
        },
    ]


def _findings(runs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "run_id": r,
                "step_id": "s1",
                "agent": "writer",
                "detector": "silent_failure",
                "severity": sev,
                "attributes": "{}",
            }
            for r, sev in runs
        ]
    )


def test_precision_leaves_out_flagged_runs_of_unknown_outcome() -> None:
    ws = wb.open()
    for run_id, reported in (
        ("ok-1", "success"),
        ("ok-2", "success"),
        ("otel-1", "unknown"),
        ("otel-2", "unknown"),
    ):
        ws.ingest(_run(run_id, reported, "WID-7: 210 units in stock."))
    ws.label(
        "ok-1", outcome="failure", source="ground_truth", agent="writer", step_id="s1", kind="silent_failure"
    )
    ws.label("ok-2", outcome="success", source="ground_truth")
    assert dict(ws.sql("SELECT run_id, outcome FROM runs").fetchall()) == {
        "ok-1": "failure",
        "ok-2": "success",
        "otel-1": "unknown",
        "otel-2": "unknown",
    }
    found = _findings([("ok-1", "critical"), ("otel-1", "warning"), ("otel-2", "warning")])
    row = evaluate_detectors(ws, found).set_index("detector").loc["silent_failure"]
    # before: precision 1/3, the two unknown-outcome runs counted as false alarms
    assert row["precision"] == 1.0
    assert (row["flagged_runs"], row["flagged_unknown"], row["recall"]) == (3, 2, 1.0)
    assert "2 flagged run(s) of unknown outcome, unlabelled, not scored" in row["precision_counts"]
    # a false alarm on a run of known outcome still counts
    row = evaluate_detectors(
        ws, _findings([("ok-1", "critical"), ("ok-2", "critical"), ("otel-1", "warning")])
    )
    row = row.set_index("detector").loc["silent_failure"]
    assert (row["precision"], row["flagged_unknown"]) == (0.5, 1)


def test_a_store_of_known_outcomes_reads_as_before() -> None:
    ws = wb.open()
    ws.ingest(_run("ok-1", "success", "WID-7: 210 units in stock."))
    ws.label(
        "ok-1", outcome="failure", source="ground_truth", agent="writer", step_id="s1", kind="silent_failure"
    )
    row = (
        evaluate_detectors(ws, _findings([("ok-1", "critical")])).set_index("detector").loc["silent_failure"]
    )
    assert (row["precision"], row["flagged_unknown"], row["precision_counts"]) == (
        1.0,
        0,
        "flagged run truly failed",
    )

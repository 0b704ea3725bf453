"""The workspace summary counts the runs taken as failed with ``taken_runs.sql`` (runs and findings only), not with
the reason's query (``taken_as_failed.sql``, which looks each finding's step up: a scan of every step at each
display). The two must name the same runs: held equal here on every case the definition tells apart."""

from __future__ import annotations

import workbench as wb
from workbench._summary import _TAKEN_RUNS, summarize
from workbench.store._outcomes import TAKEN_SQL


def _store() -> wb.Workspace:
    ws = wb.open()
    recs: list[dict] = []
    cases = {
        "ok_critical": "success",
        "ok_warning": "success",
        "failed_critical": "failure",
        "labelled_ok_critical": "success",
        "unknown_critical": None,
        "ok_no_step": "success",
        "ok_other_detector": "success",
        "ok_clean": "success",
    }
    for i, (run, outcome) in enumerate(cases.items()):
        at = f"2026-03-01T10:0{i}:00Z"
        recs += [
            {"record": "run", "run_id": run, "system": "s", "outcome": outcome, "started_at": at},
            {
                "run_id": run,
                "step_id": "a",
                "agent": "x",
                "kind": "llm",
                "latency_ms": 5.0,
                "started_at": at,
                "ended_at": at,
            },
        ]
    ws.ingest(recs, progress=False)
    ws.label("labelled_ok_critical", outcome="success")
    rows = [
        ("ok_critical", "a", "silent_failure", "critical"),
        ("ok_critical", "a", "silent_failure", "critical"),
        ("ok_warning", "a", "silent_failure", "warning"),
        ("failed_critical", "a", "silent_failure", "critical"),
        ("labelled_ok_critical", "a", "silent_failure", "critical"),
        ("unknown_critical", "a", "silent_failure", "critical"),
        ("ok_no_step", None, "silent_failure", "critical"),
        ("ok_other_detector", "a", "loop", "critical"),
    ]
    ws.con.executemany(
        "INSERT INTO findings (run_id, step_id, detector, severity, detail) VALUES (?, ?, ?, ?, 'x')", rows
    )
    return ws


def test_taken_runs_names_the_runs_the_reason_query_does() -> None:
    ws = _store()
    fast = {r for (r,) in ws.con.execute(_TAKEN_RUNS).fetchall()}
    full = {r for r, _ in ws.con.execute(TAKEN_SQL).fetchall()}
    assert fast == full
    assert "ok_critical" in fast and "ok_no_step" in fast
    assert not fast & {
        "ok_warning",
        "failed_critical",
        "labelled_ok_critical",
        "ok_other_detector",
        "ok_clean",
    }
    # (a run of unknown outcome with a critical silent failure is taken as failed by both)
    assert ("unknown_critical" in fast) == ("unknown_critical" in full)
    assert (
        summarize(ws).taken
        == len(full)
        == int(ws.runs(outcome="failure", silent=True)["taken_why"].notna().sum())
    )

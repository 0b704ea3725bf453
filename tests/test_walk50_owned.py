"""walk50: what the walk found in files other helpers own (strict xfails: each passes once it is mended).

- The native reader takes a step with no ``status`` as ``ok`` (``ingest/native.py``'s ``_status(None)``), so a run
  whose file says nothing of how it ended (no ``outcome``, no status on any step) reads as *reported success*:
  ``investigate`` then calls a run whose answer quotes an unsupported value "SILENT*: reported success, but …",
  though the run reported nothing (walk49's left item). An OTLP root span with no status is "unset" and its run's
  outcome unknown (README, "A run's outcome comes from its root span's status"); the native format's own docs list
  ``ok, error, unset`` and name no default.
- ``wb.backtest(policy, ws)`` of a policy whose limits were learned for one system (``suggest_limits(ws)
  .to_policy("desk-a")``, the notebook's way, which records ``sweep["system"]``) replays every system's runs through
  them: another system's successful runs are "lost" to limits never meant for them. ``workbench policy backtest``
  replays only that system's runs (walk49); the library call does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def test_native_run_with_no_status_nor_outcome_reported_nothing(tmp_path: Path) -> None:
    steps = [("s0", None, "system"), ("s1", "s0", "tool"), ("s2", "s0", "llm")]
    records: list[dict] = [{"record": "run", "run_id": "r1", "system": "shop"}]
    for i, (sid, parent, kind) in enumerate(steps):
        rec = {
            "run_id": "r1",
            "step_id": sid,
            "kind": kind,
            "started_at": T0 + i * S,
            "ended_at": T0 + (i + 1) * S,
        }
        records.append(rec | ({"parent_id": parent} if parent else {}))
    log = tmp_path / "quiet.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    ws = wb.open()
    ws.ingest(log, progress=False)
    assert ws.sql("SELECT reported_outcome FROM runs").fetchall() == [("unknown",)]


def _run(system: str, hour: int, run_id: str, n_calls: int) -> list[dict]:
    out: list[dict] = [{"record": "run", "run_id": run_id, "system": system, "outcome": "success"}]
    for i in range(n_calls):
        out.append(
            {
                "run_id": run_id,
                "step_id": f"{run_id}-s{i}",
                "agent": "clerk",
                "kind": "tool",
                "tool": "price",
                "input": {"sku": f"{run_id}-{i}"},
                "status": "ok",
                "started_at": f"2026-01-01T{hour:02d}:00:{i:02d}Z",
                "ended_at": f"2026-01-01T{hour:02d}:00:{i:02d}.5Z",
            }
        )
    return out


def test_backtest_of_one_systems_policy_replays_that_systems_runs(tmp_path: Path) -> None:
    # desk-a: 5 runs of 2 tool calls; desk-b: 3 runs of 6 (a longer desk, all successful)
    records: list[dict] = []
    for r in range(5):
        records += _run("desk-a", r, f"a{r}", 2)
    for r in range(3):
        records += _run("desk-b", 5 + r, f"b{r}", 6)
    log = tmp_path / "two.jsonl"
    log.write_text("".join(json.dumps(x) + "\n" for x in records))
    ws = wb.open()
    ws.ingest(log, progress=False)
    policy = wb.suggest_limits(ws).to_policy("desk-a")
    assert policy.provenance.sweep["system"] == "desk-a" and policy.budgets.max_tool_calls_run == 2
    report = wb.backtest(policy, ws)
    # desk-b's runs, cut at desk-a's 2 calls, are counted as successes lost
    assert report.summary["runs"] == 5 and report.summary["successes_lost"] == 0, report
    assert report.system == "desk-a"
    # every system's runs when asked
    every = wb.backtest(policy, ws, runs=ws.runs())
    assert every.summary["runs"] == 8 and every.summary["successes_lost"] == 3 and every.system is None

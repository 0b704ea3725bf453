"""ux46's walk of the tuner, the limits view and their policy export, as an SRE new to them, on real framework desks
(six systems, tests/ingest/fixtures): what confused, each on the least that shows it.

- The limits view's Backtest replayed every system's runs through one system's limits: on the desks, "stops 8 failed
  runs" beside pai-quote-desk's table, whose limits stop none of its own 14 runs (none failed). It backtests the
  picked system's runs, says whose limits and that the estimate is in-sample, and says when there is nothing to
  prevent or nothing to backtest.
- After another system or quantile (limits) or another threshold (tuner), the backtest and the policy written stood
  under the new settings as if of them (pai-quote-desk's YAML under quote-desk's table; a rule at 33.8 under sliders
  moved to "no rule"): they are said to be stale (the tuner's: checked in test_tuner.py's export test).
"""

from __future__ import annotations

import re

import pytest

import workbench as wb
from workbench.widgets import LimitTuner


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def desks() -> wb.Workspace:
    """Two systems: "calm" of 6 successful runs of 2 tool calls; "busy" of 6 runs, the 3 long ones (6 calls) failed,
    and 2 runs of unknown outcome."""
    records: list[dict] = []
    call = {"kind": "tool", "tool": "search", "agent": "finder", "status": "ok"}
    for system, outcomes in (
        ("calm", ["success"] * 6),
        ("busy", ["success", "failure"] * 3 + ["unknown"] * 2),
    ):
        for r, outcome in enumerate(outcomes):
            run = f"{system}{r}"
            calls = 6 if outcome == "failure" else 2
            records.append({"record": "run", "run_id": run, "system": system, "outcome": outcome})
            at = [
                (f"2026-03-01T10:{r:02d}:{2 * i:02d}Z", f"2026-03-01T10:{r:02d}:{2 * i + 1:02d}Z")
                for i in range(calls)
            ]
            records += [
                {
                    **call,
                    "run_id": run,
                    "step_id": f"t{i}",
                    "input": {"q": f"{run}-{i}"},
                    "output": f"result {i}",
                    "started_at": t0,
                    "ended_at": t1,
                }
                for i, (t0, t1) in enumerate(at)
            ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_the_limits_backtest_is_of_the_picked_systems_runs_and_stale_results_are_said(
    desks: wb.Workspace, tmp_path
) -> None:  # noqa: ANN001
    tu = LimitTuner(desks, system="calm", quantile=0.9, policy_path=str(tmp_path / "limits.yaml"))
    report = tu.backtest()
    assert set(report.runs["run_id"]) == {f"calm{r}" for r in range(6)}
    said = _text(tu.backtest_view.value)
    assert said.startswith("Backtest of calm's limits at p90 on its 6 runs (in-sample"), said
    assert "no run of them failed , so there is no failure to prevent" in said and "0 failed runs" not in said
    tu.export_policy()
    assert "Wrote" in tu.policy_view.value
    tu.system.value = "busy"
    assert (
        _text(tu.backtest_view.value)
        == "The last backtest was of calm's limits at p90: Backtest again for these limits."
    )
    assert _text(tu.policy_view.value).startswith(
        "The policy file written holds calm's limits at p90, not these"
    )
    report = tu.backtest()
    assert set(report.runs["run_id"]) <= {f"busy{r}" for r in range(8)} and len(report.runs) == 6
    said = _text(tu.backtest_view.value)
    assert "busy's limits at p90 on its 6 runs, 2 runs of unknown outcome left out" in said, said
    cut = report.runs[report.runs["decision"] == "cut"]
    # (ux47: its limits stop none of its failed runs: "stops 0 failed runs, 0 of them before …; the others are cut
    # after the damage" told of cuts that were none)
    assert (cut["outcome"] == "failure").sum() == 0 and "stops none of its 3 failed runs" in said, said
    assert "the others" not in said, said
    tu.quantile.value = 0.95  # the same system, other limits: the backtest was of those at p90
    assert "was of busy's limits at p90" in _text(tu.backtest_view.value)

"""One definition of "failed": a run that reported success but whose answer quotes a value no tool
returned (a critical silent_failure finding, investigate's SILENT*) counts as failed in ``ws.runs``,
the threshold sweep, the policy proposal, the limit suggestions and the backtest, as investigate
counts it; ``silent=False`` gives the old counting (the stored outcome only), and each says which."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd
import pytest

import workbench as wb
from workbench.policy import Budgets

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, outcome: str, calls: int, answer: str, made_up: bool = False) -> list[dict]:
    """One native run: ``calls`` price look-ups (each returns 12.50), then an answer; ``made_up``: an
    LLM step states 13.75, which the answer quotes (no tool returned it)."""
    recs: list[dict] = [
        {
            "record": "run",
            "run_id": run_id,
            "system": "shop",
            "task": "buy 40 units of SKU-7",
            "outcome": outcome,
        }
    ]
    steps: list[dict] = [{"kind": "system", "name": "run"}]
    steps += [
        {
            "kind": "tool",
            "agent": "pricer",
            "tool": "get_price",
            "input": f'{{"sku": "SKU-7", "try": {i}}}',
            "output": '{"sku": "SKU-7", "price": 12.50}',
        }
        for i in range(calls)
    ]
    if made_up:
        steps.append({"kind": "llm", "agent": "pricer", "output": "unit price is 13.75"})
    for i, fields in enumerate(steps):
        start = T0 + i * S
        rec = {
            "run_id": run_id,
            "step_id": f"s{i:02d}",
            "started_at": start,
            "ended_at": start + (100 * S if i == 0 else S // 2),
            "status": "ok",
            **fields,
        }
        if i:
            rec["parent_id"] = "s00"
        recs.append(rec)
    recs[1]["output"] = answer
    return recs


def _store(silent_runs: int) -> wb.Workspace:
    """3 failed runs and 3 silent failures of 6 price look-ups each, 5 good runs of 1 or 2."""
    records: list[dict] = []
    for i in range(3):
        records += _run(f"bad{i}", "failure", 6, "could not order")
    for i in range(silent_runs):
        records += _run(f"silent{i}", "success", 6, "Ordered 40 units at 13.75, total 550.00", made_up=True)
    for i in range(5):
        records += _run(f"good{i}", "success", 1 + i % 2, "Ordered 40 units at 12.50 each (total 500.00)")
    ws = wb.open()
    ws.ingest(records, progress=False)
    wb.detect(ws)  # the findings investigate reads; the silent runs get a critical silent_failure
    return ws


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    return _store(silent_runs=3)


def test_fixture_reports_success_and_investigate_takes_it_as_failed(ws: wb.Workspace) -> None:
    from workbench._failed import taken_as_failed

    assert sorted(taken_as_failed(ws)) == ["silent0", "silent1", "silent2"]
    assert set(ws.runs(outcome="success")["run_id"]) >= {"silent0", "silent1", "silent2"}  # as stored


def test_runs_gives_every_run_investigate_attributes(ws: wb.Workspace) -> None:
    failed = ws.runs(outcome="failure", silent=True)
    assert sorted(failed["run_id"]) == ["bad0", "bad1", "bad2", "silent0", "silent1", "silent2"]
    why = failed.set_index("run_id")["taken_why"]
    assert why[["bad0", "bad1", "bad2"]].isna().all()
    assert why[["silent0", "silent1", "silent2"]].str.contains("13.75").all()
    assert sorted(ws.runs(outcome="success", silent=True)["run_id"]) == [f"good{i}" for i in range(5)]
    # the stored outcome, as before: no taken_why column
    assert sorted(ws.runs(outcome="failure")["run_id"]) == ["bad0", "bad1", "bad2"]
    assert "taken_why" not in ws.runs().columns


def test_backtest_stopping_a_silent_failure_prevents_it_not_loses_a_success(ws: wb.Workspace) -> None:
    policy = wb.Policy(budgets=Budgets(max_tool_calls_run=3))
    report = wb.backtest(policy, ws)
    s = report.summary
    assert (s["failures"], s["prevented"], s["successes_lost"]) == (6, 6, 0)  # old code: (3, 3, 3)
    assert s["taken_as_failed"] == 3
    assert "silent failures" in s["counting"] and "3 of them silent failures" in repr(report)
    old = wb.backtest(policy, ws, silent=False).summary
    assert (old["failures"], old["prevented"], old["successes_lost"]) == (3, 3, 3)
    assert "reported" in old["counting"]


def test_sweep_counts_an_escalated_silent_failure_as_caught(ws: wb.Workspace) -> None:
    sweep = wb.sweep_thresholds(ws, "tool_calls")
    assert (sweep.n_runs, sweep.n_failures) == (11, 6)
    point = sweep.at(3)
    assert (point.failures_caught, point.false_escalations) == (6, 0)
    assert sweep.to_policy(3).provenance.sweep["silent"] is True
    old = wb.sweep_thresholds(ws, "tool_calls", silent=False)
    assert old.n_failures == 3 and old.at(3).false_escalations == 3
    assert "silent failures not counted" in repr(old)


def test_proposal_and_limits_weigh_silent_failures_as_failures(ws: wb.Workspace) -> None:
    policy = wb.policy_from_findings(ws, signals=())
    assert policy.provenance.failures == 6
    assert policy.budgets.max_tool_calls_run is not None and policy.budgets.max_tool_calls_run < 6
    assert policy.provenance.sweep["silent"] is True
    # the old counting: 3 failures past 2 calls against 3 successes lost; lost_weight 3 sets no limit
    assert wb.policy_from_findings(ws, signals=(), silent=False).budgets.max_tool_calls_run is None

    limits = wb.suggest_limits(ws, quantile=1.0, min_runs=5)
    row = limits.table.set_index("rule").loc["max_tool_calls_run"]
    assert row["limit"] == 2 and row["basis"] == "successful runs"
    assert (row["stops_failed"], row["stops_successful"]) == (6, 0)
    assert "silent failures counted as failed" in repr(limits)
    assert limits.to_policy().provenance.sweep["silent"] is True
    old = wb.suggest_limits(ws, quantile=1.0, min_runs=5, silent=False).table.set_index("rule")
    assert old.loc["max_tool_calls_run", "limit"] == 6  # learned from the silent "successes" too


def _frames(ws: wb.Workspace, silent: bool) -> list[pd.DataFrame]:
    policy = wb.Policy(budgets=Budgets(max_tool_calls_run=3))
    return [
        wb.backtest(policy, ws, silent=silent).table,
        wb.sweep_thresholds(ws, "tool_calls", silent=silent).curve,
        wb.suggest_limits(ws, silent=silent).table,
        pd.DataFrame([asdict(wb.policy_from_findings(ws, signals=(), silent=silent).budgets)]),
    ]


def test_a_store_with_no_silent_failure_counts_alike_either_way() -> None:
    clean = _store(silent_runs=0)
    assert clean.runs(outcome="failure", silent=True)["taken_why"].isna().all()
    for new, old in zip(_frames(clean, True), _frames(clean, False), strict=True):
        pd.testing.assert_frame_equal(new, old)

"""The backtest on simulated history, and policies proposed from a store."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench as wb
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy


def test_backtest_counts_reconcile(sim_ws) -> None:
    policy = Policy(
        breakers=Breakers(max_step_latency_ms=20_000.0),
        budgets=Budgets(max_retries=1),
        loops=Loops(max_repeats=1, max_pingpong=3),
        hitl=(HitlRule("entropy", 0.9),),
    )
    report = wb.backtest(policy, sim_ws)
    runs, table, s = report.runs, report.table, report.summary
    assert len(runs) == sim_ws.count("runs") == s["runs"]
    total = table.set_index("rule").loc["total"]
    assert total["runs_cut"] == s["cut"] == (runs["decision"] == "cut").sum()
    assert total["failures_prevented"] == s["prevented"] == table["failures_prevented"][:-1].sum()
    assert s["reviews"] == runs["escalate_step"].notna().sum() and 0 < s["review_rate"] < 1
    assert (runs.loc[runs["prevented"], "outcome"] == "failure").all()
    assert (runs.loc[runs["lost"], "decision"] == "cut").all()
    assert (runs.loc[runs["lost"], "outcome"] == "success").all()
    # a prevented failure was stopped at or before its decisive step
    seq = dict(sim_ws.sql("SELECT run_id || '/' || step_id, seq FROM steps").fetchall())
    for r in runs[runs["prevented"] & runs["decisive_step"].notna()].itertuples():
        assert seq[f"{r.run_id}/{r.intervened_at}"] <= seq[f"{r.run_id}/{r.decisive_step}"]
    # nothing is saved on a run that was not cut
    assert (runs.loc[runs["decision"] != "cut", ["saved_tool_calls", "saved_tokens"]] == 0).all().all()
    assert s["tool_calls_saved"] > 0 and s["latency_saved_s"] > 0
    assert "prevented" in repr(report) and "<table" in report._repr_html_()
    assert report.meets(prevented=0.0, review_rate=1.0) and not report.meets(prevented=1.01)


def test_cut_step_matches_a_hand_count(sim_ws) -> None:
    # max_tool_calls_run=3: every run with a 4th tool call is cut exactly there.
    report = wb.backtest(Policy(budgets=Budgets(max_tool_calls_run=3)), sim_ws)
    fourth = sim_ws.sql("""SELECT run_id, step_id FROM (SELECT run_id, step_id,
                            row_number() OVER (PARTITION BY run_id ORDER BY seq) AS n FROM steps
                            WHERE kind = 'tool') WHERE n = 4""").df()
    cut = report.runs.dropna(subset=["cut_step"])[["run_id", "cut_step"]]
    assert sorted(map(tuple, cut.values)) == sorted(map(tuple, fourth.values))
    assert set(report.runs["cut_rule"].dropna()) == {"max_tool_calls_run"}


def test_unknown_outcomes_are_left_out_and_unlabelled_failures_count_anywhere(sim_runs) -> None:
    ws = wb.open()
    ws.ingest(sim_runs[:30], progress=False)
    failed = ws.runs(outcome="failure")["run_id"].tolist()
    ok = ws.runs(outcome="success")["run_id"].tolist()
    ws.label(ok[0], outcome="unknown")
    ws.con.execute("DELETE FROM labels WHERE run_id = ? AND step_id IS NOT NULL", [failed[0]])
    report = wb.backtest(Policy(hitl=(HitlRule("tool_calls", 1),)), ws)  # escalates at the first tool call
    assert report.summary["excluded_unknown"] == 1 and ok[0] not in set(report.runs["run_id"])
    row = report.runs.set_index("run_id").loc[failed[0]]
    assert pd.isna(row["decisive_step"]) and bool(row["prevented"])


def test_backtest_rejects_a_non_policy(sim_ws) -> None:
    with pytest.raises(TypeError, match="Policy"):
        wb.backtest({"breakers": {}}, sim_ws)


def test_policy_from_findings_proposes_limits_the_data_supports(sim_ws) -> None:
    policy = wb.policy_from_findings(sim_ws, lost_weight=3.0)
    prov = policy.provenance
    assert prov.source == "policy_from_findings" and prov.runs == sim_ws.count("runs")
    assert policy.rules(), "a store with injected faults gives at least one rule"
    report = wb.backtest(policy, sim_ws)
    # By construction each limit cuts more failed runs than lost_weight x successful ones.
    assert report.summary["cut"] == 0 or report.summary["successes_lost"] * 3 < report.summary["cut"]
    assert report.summary["review_rate"] <= 0.1 + 1e-9 or not policy.hitl
    # round trip of a proposed policy, provenance included
    assert wb.Policy.from_yaml(policy.to_yaml()) == policy


def test_policy_from_findings_on_a_store_without_outcomes() -> None:
    ws = wb.open()
    with pytest.raises(ValueError, match="no run with a known outcome"):
        wb.policy_from_findings(ws)

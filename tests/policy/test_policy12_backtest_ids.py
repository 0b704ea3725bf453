"""The backtest names the runs behind each rule's counts: which runs it stopped, which were false
stops, and the review load it adds."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.policy import Budgets, HitlRule, Policy


def test_per_rule_run_ids_false_stops_and_review_rate(sim_ws) -> None:
    policy = Policy(budgets=Budgets(max_tool_calls_run=6), hitl=(HitlRule("latency_ms", 5000.0),))
    report = wb.backtest(policy, sim_ws)
    runs, table = report.runs, report.table.set_index("rule")
    for rule in ("max_tool_calls_run", "hitl:latency_ms>=5000"):
        mine = runs[runs["rule"] == rule]
        assert len(mine) > 0
        assert table.loc[rule, "run_ids"] == tuple(sorted(mine["run_id"]))
        assert table.loc[rule, "false_stop_ids"] == tuple(sorted(mine.loc[mine["lost"], "run_id"]))
        assert len(table.loc[rule, "false_stop_ids"]) == table.loc[rule, "successes_lost"]
        assert table.loc[rule, "review_rate"] == pytest.approx(table.loc[rule, "runs_escalated"] / len(runs))
        assert list(report.rule_runs(rule)["run_id"]) == sorted(mine["run_id"])
    assert table.loc["total", "review_rate"] == pytest.approx(report.summary["review_rate"])
    assert set(table.loc["total", "run_ids"]) == set(runs.loc[runs["rule"].notna(), "run_id"])
    assert (
        table.loc["total", "false_stop_ids"]
        and len(table.loc["total", "false_stop_ids"]) == report.summary["successes_lost"]
    )
    with pytest.raises(ValueError, match="not in this backtest"):
        report.rule_runs("max_depth")
    html = report._repr_html_()
    assert table.loc["total", "run_ids"][0] in html and "(+" in html

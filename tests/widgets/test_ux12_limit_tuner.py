"""LimitTuner: suggested limits a user can move (quantile, system), see (charts of the runs' peaks and
what each limit stops) and export as a validated policy; and the other widgets on stores that lack
outcomes, agents or times."""

from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

import workbench as wb
from workbench import plots
from workbench.plots import _limits as limit_plots
from workbench.widgets import DriftMonitor, FindingsOverview, IncidentExplorer, LimitTuner

HOSTILE = "<img src=x onerror=alert('sys')>"


def _records(
    n: int = 30,
    system: str = "shop",
    times: bool = True,
    outcome: bool = True,
    agents: bool = True,
    run_prefix: str = "r",
) -> list[dict]:
    """Runs with 2..7 tool calls each (the long ones fail), a hand-off in every third one."""
    out: list[dict] = []
    for r in range(n):
        run = f"{run_prefix}{r:03d}"
        calls = 2 + r % 6
        out.append(
            {
                "record": "run",
                "run_id": run,
                "system": system,
                "outcome": ("failure" if calls >= 6 else "success") if outcome else "unknown",
            }
        )
        for i in range(calls):
            step = {
                "run_id": run,
                "step_id": f"t{i:02d}",
                "kind": "tool",
                "tool": "search",
                "input": {"q": f"{r}-{i}"},
                "status": "ok",
                "output": f"result {i}",
            }
            if agents:
                step["agent"] = "finder"
            if times:
                step["started_at"] = f"2026-03-01T10:{r % 60:02d}:{2 * i:02d}Z"
                step["ended_at"] = f"2026-03-01T10:{r % 60:02d}:{2 * i + 1:02d}Z"
            out.append(step)
        if r % 3 == 0:
            out.append(
                {
                    "run_id": run,
                    "step_id": "h00",
                    "kind": "handoff",
                    "agent": "finder" if agents else None,
                    "status": "ok",
                    "output": "over to the buyer",
                }
            )
    return out


def _store(**kw: object) -> wb.Workspace:
    ws = wb.open()
    ws.ingest(_records(**kw), progress=False)
    return ws


@pytest.fixture(scope="module")
def shop() -> wb.Workspace:
    return _store()


def _spec_limit(chart: alt.TopLevelMixin, rule: str) -> float:
    """The limit a peaks chart draws for ``rule`` (its data, not its title)."""
    spec = chart.to_dict()
    rows = [row for data in spec["datasets"].values() for row in data]
    return next(row["cut"] for row in rows if row.get("layer") == "limit" and row["rule"] == rule)


def test_at_gives_what_suggest_limits_gives(shop: wb.Workspace) -> None:
    base = wb.suggest_limits(shop, quantile=0.99)
    for q in (0.5, 0.75, 0.9, 1.0):
        again, fresh = base.at(q), wb.suggest_limits(shop, quantile=q)
        cols = [c for c in fresh.table.columns if c != "stopped_runs"]
        pd.testing.assert_frame_equal(again.table[cols], fresh.table[cols])
        assert list(again.table["stopped_runs"]) == list(fresh.table["stopped_runs"]) and again.quantile == q
    with pytest.raises(wb.InvalidParameterError, match="quantile"):
        base.at(1.5)


def test_tuner_readout_charts_and_slider(shop: wb.Workspace) -> None:
    tu = LimitTuner(shop, quantile=0.9)
    assert tu.system.value == "shop" and tu.peaks_chart in tu.charts.children
    limits = tu.limits.table.set_index("rule")
    # at p90 of the successful runs (2..5 tool calls), the run budget is 5: every failed run (6, 7 calls) is stopped
    assert limits.loc["max_tool_calls_run", "limit"] == 5
    failed = int((tu.limits.runs["outcome"] == "failure").sum())
    assert f"<b class='wb-limits-caught'>{failed}</b> of {failed} failed runs (100%)" in tu.readout.value
    assert _spec_limit(tu.peaks_chart.chart, "max_tool_calls_run") == 5.5  # drawn between 5 and 6
    # the readout's totals are the runs any limit stops
    summary = tu.limits.summary().set_index("system").loc["shop"]
    ids = set().union(
        *(set(tu.limits.stopped("shop", r)["run_id"]) for r in limits.index[limits["limit"].notna()])
    )
    assert summary["stops_failed"] + summary["stops_successful"] + summary["stops_unknown"] == len(ids) > 0
    assert (
        summary["stops_failed"] == failed
        and summary["failed"] + summary["successful"] == summary["runs"] == 30
    )
    stops = tu.stops_chart.chart.to_dict()
    assert "Runs each limit stops" in str(stops["title"])
    # the slider: a lower quantile moves the limit, the chart's limit and what the readout counts
    before = tu.readout.value
    tu.quantile.value = 0.5
    assert (
        tu.limits.quantile == 0.5
        and tu.limits.table.set_index("rule").loc["max_tool_calls_run", "limit"] == 4
    )
    assert _spec_limit(tu.peaks_chart.chart, "max_tool_calls_run") == 4.5
    assert tu.readout.value != before and "p50" in tu.readout.value
    assert "wb-limits-cut" in tu.readout.value and tu.latency_ms["quantile"] > 0


def test_export_yaml_and_json_read_back_valid(shop: wb.Workspace, tmp_path) -> None:  # noqa: ANN001
    tu = LimitTuner(shop, quantile=0.9, policy_path=str(tmp_path / "shop.yaml"))
    policy = tu.export_policy()
    assert policy is not None and wb.Policy.from_yaml(tmp_path / "shop.yaml") == policy
    assert policy.budgets.max_tool_calls_run == 5 and policy.provenance.source == "suggest_limits"
    assert (
        "valid against the policy schema" in tu.policy_view.value
        and "max_tool_calls_run: 5" in tu.policy_view.value
    )
    tu.format.value = "json"
    assert tu.path.value.endswith("shop.json")
    policy = tu.export_policy()
    assert wb.Policy.from_json(tmp_path / "shop.json") == policy
    assert "&quot;max_tool_calls_run&quot;: 5" in tu.policy_view.value
    # a path that cannot be written: said in the panel, nothing raised
    assert tu.export_policy(tmp_path / "missing" / "dir" / "p.json") is None
    assert "Not exported" in tu.policy_view.value


def test_log_text_is_escaped_everywhere(tmp_path) -> None:  # noqa: ANN001
    ws = _store(n=12, system=HOSTILE, outcome=False, run_prefix="<b>run</b>-")
    tu = LimitTuner(ws, quantile=0.5)  # stops some runs: their ids are in the table
    html = "".join(x.value for x in (tu.readout, tu.notes, tu.table))
    assert "<img" not in html and "<b>run" not in html
    assert "&lt;img src=x onerror=alert(&#x27;sys&#x27;)&gt;" in tu.readout.value
    assert "&lt;b&gt;run&lt;/b&gt;-" in tu.table.value
    assert tu.system.options[0][1] == HOSTILE and tu.export_policy(tmp_path / "p.yaml") is not None
    assert "<img" not in tu.policy_view.value
    rendered = tu.limits._repr_html_()
    assert "<img" not in rendered and "<b>run" not in rendered and "&lt;b&gt;run&lt;/b&gt;" in rendered
    # (9: its steps have no parent links, so no depth limit: walk49)
    assert "&lt;img src=x onerror=alert(&#x27;sys&#x27;)&gt;: 9 limits; together they stop" in rendered
    # the charts carry no log text at all: rule names and numbers only
    assert "onerror" not in str(tu.peaks_chart.chart.to_dict()) + str(tu.stops_chart.chart.to_dict())


def test_store_without_times_outcomes_or_agents() -> None:
    ws = _store(n=12, times=False, outcome=False, agents=False, system=None)
    tu = LimitTuner(ws)
    # (lab56) runs of no system name: the readout names them as the picker does, not "(no system)" beside
    # "(no system name)"
    assert tu.system.label == "(no system name)" and "limits for (no system name);" in tu.readout.value
    rules = set(limit_plots.limit_bins(tu.limits, tu.system.value)[1]["rule"])
    assert "max_tool_calls_run" in rules and not rules & {"max_step_latency_ms", "max_run_latency_ms"}
    assert "max_step_latency_ms</b>: no limit" in tu.notes.value and "no outcome labels" in tu.notes.value
    assert "unknown-outcome runs" in tu.readout.value and "failed runs" not in tu.readout.value
    dm = DriftMonitor(ws)
    assert dm.chart is None and "has a start time: nothing can be drawn" in dm.summary.value
    assert not [c for c in dm.children if isinstance(c, alt.JupyterChart)]
    IncidentExplorer(ws)
    FindingsOverview(ws)


def test_system_picker_and_a_system_without_limits() -> None:
    ws = wb.open()
    ws.ingest(_records(n=12, system="shop") + _records(n=6, system="bare", run_prefix="b"), progress=False)
    tu = LimitTuner(ws, system="bare", quantile=0.9)
    assert [v for _, v in tu.system.options] == ["bare", "shop"] and tu.system.value == "bare"
    tu.system.value = "shop"
    assert "for shop" in tu.readout.value
    with pytest.raises(wb.WorkbenchError, match="no runs of 'nowhere'"):
        LimitTuner(ws, system="nowhere")
    # an empty store: said in the view (ux13), not raised
    assert "nothing to measure limits on" in LimitTuner(wb.open()).notes.value


def test_peak_bins_stay_few_and_count_every_run() -> None:
    ws = _store(n=300)
    limits = wb.suggest_limits(ws, quantile=0.9)
    bins, rules = plots.limit_bins(limits, "shop", bins=24)
    runs = len(limits.runs)
    for rule, part in bins.groupby("rule"):
        assert part["n"].sum() == runs, rule
        assert len(part) <= 24 * 3, rule
        r = rules.set_index("rule").loc[rule]
        past = part[part["bin_start"] >= r["cut"]]["n"].sum()
        stops = limits.table.set_index("rule").loc[rule, "stops"]
        if part["bin_end"].sub(part["bin_start"]).round(6).eq(0.8).all():  # one bar per whole count
            assert past == stops, rule
    spec = plots.limit_peaks(bins, rules).to_dict()
    panels = {row["panel"] for data in spec["datasets"].values() for row in data}
    stops = limits.table.set_index("rule").loc["max_tool_calls_run"]
    assert (
        f"max_tool_calls_run ≤ 5|stops {stops['stops_failed']} failed" in panels
        and stops["stops_failed"] > 0
        and stops["stops_successful"] == 0
    ), panels
    # (ux47: a latency limit said with its unit, the "how far" axis under it having none)
    assert {p.split("|")[0] for p in panels if "latency" in p} == {
        "max_run_latency_ms ≤ 9,000 ms",
        "max_step_latency_ms ≤ 1,000 ms",
    }, panels


def test_backtest_button_agrees_with_the_readout(shop: wb.Workspace) -> None:
    # the view counts a run stopped when any peak passes its limit; the guard's backtest cuts the same runs
    tu = LimitTuner(wb.suggest_limits(shop, quantile=0.99), quantile=0.9, ws=shop)
    assert not tu.backtest_button.disabled
    report = tu.backtest()
    cut = report.runs[report.runs["decision"] == "cut"]["outcome"].value_counts()
    row = tu.limits.summary().iloc[0]
    assert (
        cut.get("failure", 0) == row["stops_failed"] > 0 and cut.get("success", 0) == row["stops_successful"]
    )
    assert f"stops {row['stops_failed']} failed runs" in tu.backtest_view.value
    assert "wb-limits-prevented" in tu.backtest_view.value and tu.latency_ms["backtest"] > 0
    alone = LimitTuner(wb.suggest_limits(shop))
    assert alone.backtest_button.disabled
    with pytest.raises(wb.WorkbenchError, match="pass ws="):
        alone.backtest()

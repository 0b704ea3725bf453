"""suggest_limits: limits from how far a system's runs went, per system, for stores that cannot price
a limit (all failures, no outcome labels, no timings), saying which basis and which runs each stops."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import InvalidParameterError


def _store(tmp_path: Path, systems: dict[str, list[tuple[str | None, int]]], timed: bool = True):
    """Runs of named systems, each ``(outcome, tool calls)``: an LLM turn, then that many distinct
    tool calls (no arguments on the first, as real logs often have)."""
    lines = []
    for system, runs in systems.items():
        for i, (outcome, calls) in enumerate(runs):
            run = f"{system}-{i:02d}"
            rec = {"record": "run", "run_id": run, "system": system, "outcome": outcome or "unknown"}
            lines.append(rec)
            for j in range(calls + 1):
                step = {
                    "record": "step",
                    "run_id": run,
                    "step_id": f"s{j}",
                    "agent": "worker",
                    "kind": "llm" if j == 0 else "tool",
                    "tool": None if j == 0 else "search",
                    "status": "ok",
                    "output": f"result {j}",
                }
                if j > 1:
                    step["input"] = json.dumps({"q": j})
                if timed:
                    step["started_at"] = f"2026-01-01T00:{i:02d}:{j:02d}Z"
                    step["ended_at"] = f"2026-01-01T00:{i:02d}:{j:02d}.500Z"
                lines.append(step)
    path = tmp_path / "runs.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws


def test_limits_per_system_from_successful_runs_name_the_runs_they_stop(tmp_path: Path) -> None:
    ws = _store(
        tmp_path,
        {
            "short": [("success", 2)] * 9 + [("success", 3), ("failure", 9), ("failure", 2)],
            "long": [("success", 20)] * 8 + [("success", 22), ("failure", 40)],
        },
    )
    s = wb.suggest_limits(ws, quantile=0.8)
    t = s.table.set_index(["system", "rule"])
    short, long_ = t.loc[("short", "max_tool_calls_run")], t.loc[("long", "max_tool_calls_run")]
    # each system's own normal: p80 of 10 successes (9 with 2 calls, 1 with 3) is 2; of 20 and 22, 20
    assert short["limit"] == 2 and short["basis"] == "successful runs" and short["baseline_runs"] == 10
    assert long_["limit"] == 20
    assert short["stops_failed"] == 1 and short["stops_successful"] == 1
    assert short["stopped_runs"] == ("short-10", "short-09")  # highest peak first
    assert list(s.stopped("long", "max_tool_calls_run")["run_id"]) == ["long-09", "long-08"]
    policy = s.to_policy("short")
    assert policy.budgets.max_tool_calls_run == 2 and policy.provenance.source == "suggest_limits"
    assert wb.Policy.from_yaml(policy.to_yaml()) == policy
    report = wb.backtest(policy, ws, runs=[r for r in ws.runs().run_id if r.startswith("short")])
    assert set(report.runs.loc[report.runs["decision"] == "cut", "run_id"]) == {"short-09", "short-10"}
    with pytest.raises(InvalidParameterError, match="holds 2 systems"):
        s.to_policy()


def test_store_without_outcomes_or_times_says_what_it_learned_from_and_what_it_cannot(tmp_path: Path) -> None:
    ws = _store(tmp_path, {"unlabelled": [(None, n) for n in (1, 2, 2, 3, 8)]}, timed=False)
    with pytest.raises(InvalidParameterError, match="suggest_limits"):
        wb.policy_from_findings(ws)
    s = wb.suggest_limits(ws, quantile=0.75)
    t = s.table.set_index("rule")
    assert t.loc["max_tool_calls_run", "limit"] == 3
    assert t.loc["max_tool_calls_run", "basis"] == "all runs (no outcome labels)"
    assert t.loc["max_tool_calls_run", "stops_unknown"] == 1
    assert t.loc["max_step_latency_ms", "limit"] is None
    assert "no step carries a latency" in t.loc["max_step_latency_ms", "note"]
    assert t.loc["max_handoffs", "limit"] is None and "no hand-off step" in t.loc["max_handoffs", "note"]
    policy = s.to_policy()
    assert policy.breakers.max_step_latency_ms is None
    assert any(
        "max_step_latency_ms: no limit (no step carries a latency" in n for n in policy.provenance.notes
    )


def test_all_failed_store_learns_from_all_runs_and_says_so(tmp_path: Path) -> None:
    ws = _store(tmp_path, {"incidents": [("failure", n) for n in (1, 2, 3, 4)]})
    policy = wb.policy_from_findings(ws)
    assert any("suggest_limits" in n for n in policy.provenance.notes)
    s = wb.suggest_limits(ws, quantile=0.5)
    row = s.table.set_index("rule").loc["max_tool_calls_run"]
    assert row["basis"].startswith("all runs (0 successful, fewer than 5")
    assert row["limit"] == 3 and row["stops_failed"] == 1  # the median as an observed value: 3 of 1..4
    assert "incidents" in s.notes and "4 failed" in s.notes["incidents"][0]
    html = s._repr_html_()
    assert "incidents-03" in html and "<script" not in html


def test_bad_parameters_are_named(tmp_path: Path) -> None:
    ws = _store(tmp_path, {"x": [("success", 1)]})
    with pytest.raises(InvalidParameterError, match="'quantile' must be in"):
        wb.suggest_limits(ws, quantile=1.5)
    with pytest.raises(InvalidParameterError, match="'min_runs' must be >= 1"):
        wb.suggest_limits(ws, min_runs=0)
    with pytest.raises(InvalidParameterError, match="nothing to measure"):
        wb.suggest_limits(wb.open())


def test_policy_from_findings_says_when_it_mixes_systems(tmp_path: Path) -> None:
    ws = _store(
        tmp_path,
        {"short": [("success", 2)] * 3 + [("failure", 9)], "long": [("success", 20)] * 3 + [("failure", 40)]},
    )
    notes = wb.policy_from_findings(ws).provenance.notes
    assert any("limits learned over 2 systems at once ('long', 'short')" in n for n in notes), notes


def test_limits_of_many_systems_each_their_own() -> None:
    """A store of many small systems (real stores hold one per framework's demo): the limits at another
    quantile and what they stop, per system (read in numpy per system, not pandas masks per system and rule:
    1.5-2 CPU s for a 32-system store behind the LimitTuner's blank cell, a tenth of that now; a speed no
    unit test times)."""
    import pandas as pd

    from workbench.policy._limits import LimitSuggestions
    from workbench.policy._propose import _RULES

    # each system: a successful run of 1-3 tool calls, a failed one of 6-9 (peaks as run_peaks measures them)
    runs = [
        {
            "run_id": f"sys{i:02d}-{k}",
            "system": f"sys{i:02d}",
            "outcome": outcome,
            **{rule: float(calls) for rule in _RULES},
        }
        for i in range(40)
        for k, (outcome, calls) in enumerate([("success", 1 + i % 3), ("failure", 6 + i % 4)])
    ]
    kept = LimitSuggestions(
        pd.DataFrame(),
        pd.DataFrame(runs),
        0.99,
        kinds={f"sys{i:02d}": frozenset({"tool", "handoff"}) for i in range(40)},
        min_runs=1,
    )
    at = kept.at(0.5)
    summary = at.summary()
    # each system's limit is its successful run's tool calls: its failed run (more calls) is the one stopped
    calls = at.table[at.table["rule"] == "max_tool_calls_run"].set_index("system")
    assert [calls.loc[f"sys{i:02d}", "limit"] for i in (0, 1, 2, 39)] == [1, 2, 3, 1]
    assert calls.loc["sys07", "stopped_runs"] == ("sys07-1",)
    assert summary["stops_failed"].tolist() == [1] * 40 and summary["stops_successful"].sum() == 0
    # (lab56: a row per system and rule in 15 columns ran to 41,199 px on 30 systems) one closed line a
    # system saying what its limits stop, its rules (a row each, few columns) one click away
    page = at._repr_html_()
    assert page.count("<details>") == 40 and "<details open>" not in page and "<th>system</th>" not in page
    assert (
        "<summary>sys07: 10 limits; together they stop 1 of 1 failed, 0 of 1 successful runs</summary>"
        in page
    )
    assert page.count("<tr>") == 40 * len(_RULES)
    # the LimitTuner's columns, cells padded as its are: ten (a note, the quantile's own, the runs stopped) held 800 px
    # in a 568 px output at 1000 px; the runs each rule stops listed below the table, ids whole
    heads = re.findall(r"<th>([^<]*)</th>", page)
    stops = "stops failed / successful / unknown"
    assert (
        heads[:7] == ["rule", "limit", "basis runs", "p50", "p90", "max", stops] and len(heads) == 40 * 7
    ), heads[:9]
    assert "<li>max_tool_calls_run: sys07-1</li>" in page and page.count("First runs stopped") == 40
    assert ".wb-limits :is(td,th){padding:1px 2px" in page
    assert "<td>max_tool_calls_run</td>\n      <td>1</td>" in page  # sys00's limit, not "1.0"
    one = LimitSuggestions(at.table[at.table.system == "sys07"], at.runs[at.runs.system == "sys07"], 0.5)
    assert one._repr_html_().count("<details open>") == 1  # a store of one system shows its rules at once

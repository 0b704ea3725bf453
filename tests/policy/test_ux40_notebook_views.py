"""What a policy and its backtest show in a notebook (ux40, real OpenAI Agents traces in JupyterLab): a Policy
as the YAML file it writes (its dataclass repr ran on as a wall of wrapped text), the backtest as a table of a
few columns that fits a 1000 px window (all 14 held 1,529 px in a 968 px output), every column one click away."""

from __future__ import annotations

import re

import workbench as wb
from workbench.policy import HitlRule

XSS = "<img src=x onerror=alert(1)>\u202e"


def test_policy_shows_as_its_yaml_with_log_text_escaped() -> None:
    policy = wb.Policy(name="desk", hitl=(HitlRule("entropy", 0.9, "above", XSS),))
    shown = policy._repr_html_()
    assert "<pre" in shown and "schema: workbench.policy/v4" in shown and "threshold: 0.9" in shown
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;&lt;U+202E&gt;" in shown
    assert "1 HITL rule;" in shown


def test_backtest_report_a_narrow_table_and_every_column_apart() -> None:
    ws = wb.open()
    records: list[dict] = []
    for r in range(4):
        records.append(
            {"record": "run", "run_id": f"r{r}", "system": "s", "outcome": "failure" if r % 2 else "success"}
        )
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": XSS,
                "kind": "tool",
                "tool": "t",
                "input": f"q{i}",
            }
            for i in range(1 + 2 * r)
        ]
    ws.ingest(records, progress=False)
    report = wb.backtest(wb.suggest_limits(ws, quantile=0.5, min_runs=1).to_policy("s"), ws)
    shown = report._repr_html_()
    brief, rest = shown.split("<details>")
    heads = re.findall(r"<th>([^<]*)</th>", brief)
    assert heads == [
        "rule",
        "limit",
        "runs cut",
        "runs escalated",
        "review rate",
        "failures prevented",
        "successes lost",
    ], heads
    assert "max_tool_calls_run" in brief and "%" in brief
    assert "tokens_saved" in rest and "run_ids" in rest and "r3" in rest
    assert "<img" not in shown
    ws.close()

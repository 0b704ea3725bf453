"""A backtest report shown in a notebook: the total row's limit is blank and a count's limit reads "3" (the
table showed "None" on real OTLP traces, and "3.0" tool calls)."""

from __future__ import annotations

import re

import workbench as wb


def test_total_row_blank_and_whole_limits() -> None:
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
                "agent": "a",
                "kind": "tool",
                "tool": "t",
                "input": f"q{i}",
            }
            for i in range(1 + r)
        ]
    ws.ingest(records, progress=False)
    report = wb.backtest(wb.suggest_limits(ws, quantile=0.5, min_runs=1).to_policy("s"), ws)
    shown = report._repr_html_()
    total = re.search(r"<td>total</td>\s*<td>([^<]*)</td>", shown)
    assert total and total.group(1) == "", shown
    limits = re.findall(r"<td>max_tool_calls_run</td>\s*<td>([^<]*)</td>", shown)
    assert limits and re.fullmatch(r"\d+", limits[0]), limits
    assert ">None<" not in shown and ">nan<" not in shown.lower()
    # (lab56) the brief table's "rule" header sits left, over its left-aligned names, the numbers' headers right
    assert "<th>rule</th>" in shown and ".wb-backtest-brief th:first-child{text-align:left}" in shown
    ws.close()

"""The limit view's "first runs stopped" cell (ux44, ``widgets/_limits.py``): the cell's ids are joined with U+2063
(INVISIBLE SEPARATOR), which the code takes for "a character no escaped id holds", then each piece of the escaped
cell is wrapped as one id. A run id is log content and may hold that character (``esc`` leaves it as it is): the
run ``evil<U+2063>r1`` is shown as two stopped runs, ``evil`` and ``r1``, beside the real ``r5`` (a run that was
never stopped named as stopped). attack45's strict xfail, mended by ux47: each id escaped on its own, in
its span; six runs, one view."""

from __future__ import annotations

import re

import workbench as wb
from workbench.widgets import LimitTuner

_ODD = "evil\u2063r1"


def test_a_run_id_holding_the_cells_separator_is_shown_as_one_run() -> None:
    records: list[dict] = []
    for r in range(6):  # run r makes r + 1 tool calls; the odd one six, as r5 does: those two are stopped
        run = f"r{r}" if r else _ODD
        records.append({"record": "run", "run_id": run, "system": "shop"})
        records += [
            {
                "run_id": run,
                "step_id": f"t{i}",
                "agent": "finder",
                "kind": "tool",
                "tool": "search",
                "status": "ok",
            }
            for i in range(r + 1 if r else 6)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    view = LimitTuner(ws, quantile=0.5)
    stopped = view.limits.table.set_index("rule").loc["max_tool_calls_run", "stopped_runs"]
    assert sorted(stopped) == sorted([_ODD, "r5"])  # (the control: the runs the table stops)
    row = next(r for r in view.table.value.split("<tr>") if "max_tool_calls_run" in r)
    shown = re.findall(r"<span class='wb-id'>(.*?)</span>", row)
    assert sorted(shown) == sorted([_ODD, "r5"]), shown  # (U+2063 is no markup: escaped, it is itself)

"""The explorer's run list works on a cursor of its own: the user's connection (``ws.con``) is left as it was.

On f811312 the runs taken as failed were registered on ``ws.con`` as ``_wb_explorer_taken_N`` (a user's own object
of that name replaced, then dropped when the pager let go; the frame held as long as the pager, the widget closed
or not), and the pages read the user's temporary tables and views: a user's own temporary ``runs`` (the runs of one
system, for their own analysis) became the explorer's list."""

from __future__ import annotations

import gc
import warnings

import pandas as pd

import workbench as wb
from workbench.widgets import IncidentExplorer
from workbench.widgets._runs import RunFilter, RunPager


def _store() -> wb.Workspace:
    records: list[dict] = []
    for r in range(6):
        run = f"r{r}"
        records.append(
            {
                "record": "run",
                "run_id": run,
                "system": "billing" if r < 2 else "search",
                "outcome": "failure" if r % 2 else "success",
            }
        )
        records.append(
            {
                "run_id": run,
                "step_id": "s0",
                "agent": "a",
                "kind": "llm",
                "name": "n",
                "output": f"answer of {run}",
                "started_at": f"2026-03-01T10:0{r}:00Z",
            }
        )
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _views(ws: wb.Workspace) -> list[tuple]:
    return ws.con.execute("SELECT view_name, sql FROM duckdb_views() WHERE temporary ORDER BY ALL").fetchall()


def test_the_run_list_leaves_the_users_connection_as_it_was() -> None:
    ws = _store()
    mine = pd.DataFrame({"note": ["my own frame"]})
    for i in range(3):  # (names the pager's own could have had)
        ws.con.register(f"_wb_explorer_taken_{i}", mine)
    ws.con.register("_wb_explorer_taken", mine)
    ws.con.execute("CREATE TEMP VIEW runs AS SELECT * FROM main.runs WHERE system = 'billing'")
    before = _views(ws)
    pager = RunPager(ws, RunFilter(outcome="failure"))
    rows = pager.page(0, 10)
    assert sorted(rows.run_id) == ["r1", "r3", "r5"] and pager.total == 3
    assert _views(ws) == before
    pager.refresh()
    assert pager.page(0, 10).run_id.tolist() == rows.run_id.tolist()
    del pager
    gc.collect()
    assert _views(ws) == before
    for name in ("_wb_explorer_taken", "_wb_explorer_taken_0"):
        assert ws.con.execute(f"SELECT note FROM {name}").fetchall() == [("my own frame",)]
    ws.close()


def test_a_closed_explorer_lets_go_of_its_run_list() -> None:
    ws = _store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ex = IncidentExplorer(ws, blame_model=None)
    pager = ex._pager
    assert pager is not None and pager._con is not None
    cursor = pager._con
    ex.close()
    assert pager._con is None
    try:
        cursor.execute("SELECT 1")
        raise AssertionError("the pager's cursor is still open after the explorer closed")
    except Exception as exc:  # noqa: BLE001
        assert "closed" in str(exc).lower()
    ws.close()

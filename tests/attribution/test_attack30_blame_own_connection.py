"""The log-only attribution's working tables and registered frames live on a connection of its own
(store/_own_connection.own_cursor): a user's temporary tables and frames on ``ws.con`` of the same names are
neither read, replaced nor dropped.

On 2bd4437 ``BlameModel.store_predictions`` (as ``wb.attribute_logonly``) made ``_bf_scope`` and ``_bm_ids`` on
``ws.con`` and dropped them after (a user's of those names gone), and unregistered the user's frame ``_bm_rows``."""

from __future__ import annotations

import pandas as pd

import workbench as wb


def _records(run: str) -> list[dict]:
    return [
        {"record": "run", "run_id": run, "system": "unit", "task": "buy SKU-7", "outcome": "failure"},
        {"run_id": run, "step_id": "s0", "agent": "planner", "kind": "llm", "output": "ask the buyer"},
        {
            "run_id": run,
            "step_id": "s1",
            "parent_id": "s0",
            "agent": "buyer",
            "kind": "tool",
            "tool": "place_order",
            "input": '{"qty": 40}',
            "status": "error",
            "error": "out of stock",
        },
    ]


def test_log_only_attribution_leaves_a_users_same_named_objects_alone() -> None:
    ws = wb.open()
    ws.ingest(_records("a") + _records("b"), progress=False)
    con = ws.con
    for name in ("_bf_scope", "_bm_ids"):
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT 'not a run' AS run_id")
    con.register("_bm_rows", pd.DataFrame({"mine": [7]}))
    stored = wb.BlameModel.pretrained().store_predictions(ws, ["a", "b"])
    assert stored[["run_id", "agent"]].values.tolist() == [["a", "buyer"], ["b", "buyer"]]
    assert ws.sql("SELECT DISTINCT run_id FROM attributions ORDER BY 1").fetchall() == [("a",), ("b",)]
    for name in ("_bf_scope", "_bm_ids"):
        assert con.execute(f"SELECT * FROM temp.{name}").fetchall() == [("not a run",)], name
    assert con.execute("SELECT * FROM _bm_rows").fetchall() == [(7,)]

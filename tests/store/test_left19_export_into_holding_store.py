"""An export merged into a store that holds some of its runs already (left19): a stored run the export adds
steps or a label to gets its row rebuilt as an ingest rebuilds it (n_steps, times, outcome), and a label or
attribution given in both stores (each at its own created_at) is kept once, so the merge is idempotent.
Before: the stored run row was kept as it was (n_steps 2 of 3, outcome not the label's) with the export's row
quarantined as "differs", and the label given in both stores was held twice."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

_LABEL_COLUMNS = "run_id, agent, step_id, kind, source, outcome, detail"
_ATTRIBUTION = (
    "INSERT INTO attributions (run_id, method, unit, target, value, params, created_at) "
    "VALUES ('r1', 'heuristic', 'agent', 'planner', 1.0, '{\"k\": 1}', ?)"
)


def _native(path: Path, steps: int) -> Path:
    """Run r1: an agent step and ``steps - 1`` failed tool calls under it (no status on the root)."""
    recs = [
        {"record": "run", "run_id": "r1", "system": "shop"},
        {
            "record": "step",
            "run_id": "r1",
            "step_id": "s1",
            "agent": "planner",
            "kind": "agent",
            "started_at": "2026-01-05T10:00:00Z",
            "ended_at": "2026-01-05T10:00:01Z",
        },
    ]
    for i in range(2, steps + 1):
        recs.append(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": f"s{i}",
                "parent_id": "s1",
                "kind": "tool",
                "tool": "get_price",
                "input": '{"item": "widget"}',
                "status": "error",
                "error": "timed out",
                "started_at": f"2026-01-05T10:00:0{i}Z",
                "ended_at": f"2026-01-05T10:00:0{i}Z",
            }
        )
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def _store(path: Path, steps: int, when: str) -> wb.Workspace:
    ws = wb.open()
    ws.ingest(_native(path, steps))
    ws.label("r1", outcome="failure", agent="planner")
    ws.sql("UPDATE labels SET created_at = ?", [when])  # (each store labelled it at its own time)
    ws.sql(_ATTRIBUTION, [when])
    return ws


def test_a_stored_run_given_more_steps_and_a_label_is_rebuilt(tmp_path: Path) -> None:
    there = _store(tmp_path / "runs.jsonl", 3, "2026-02-01 09:00:00")
    folder = there.export(tmp_path / "export")
    here = wb.open()
    here.ingest(_native(tmp_path / "runs.jsonl", 2))  # the same log, before its last step was written
    # (its root step gives no status: nothing reported, the outcome unknown until the label)
    assert here.sql("SELECT n_steps, outcome FROM runs").fetchall() == [(2, "unknown")]
    rep = here.ingest(folder)
    assert (rep.read, rep.stored, rep.quarantined, rep.added, rep.runs) == (3, 3, 0, 1, 1)
    runs = "SELECT * FROM runs ORDER BY ALL"
    assert here.sql(runs).fetchall() == there.sql(runs).fetchall()
    assert here.sql("SELECT n_steps, outcome, outcome_source FROM runs").fetchall() == [
        (3, "failure", "label")
    ]
    again = here.ingest(folder)
    assert (again.quarantined, again.added, again.runs) == (0, 0, 0)
    assert here.sql(runs).fetchall() == there.sql(runs).fetchall()


def test_a_label_and_an_attribution_given_in_both_stores_are_kept_once(tmp_path: Path) -> None:
    there = _store(tmp_path / "runs.jsonl", 3, "2026-02-01 09:00:00")
    wb.detect(there)
    folder = there.export(tmp_path / "export")
    here = _store(tmp_path / "runs.jsonl", 3, "2026-03-01 09:00:00")  # the same log, labelled here too
    wb.detect(here)
    held = {
        t: here.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        for t in ("runs", "steps", "labels", "findings", "attributions")
    }
    assert held["findings"]
    rep = here.ingest(folder)
    assert (rep.quarantined, rep.added, rep.labels) == (0, 0, 0)
    for table, rows in held.items():
        assert here.sql(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == rows, table
    # held twice there (as an older merge left a label given in both stores): twice here, and again the same
    there.sql(
        "INSERT INTO labels SELECT * REPLACE (TIMESTAMP '2026-02-02 09:00:00' AS created_at) FROM labels"
    )
    here.ingest(there.export(tmp_path / "export2"))
    here.ingest(tmp_path / "export2")
    counts = here.sql(f"SELECT {_LABEL_COLUMNS}, count(*) FROM labels GROUP BY ALL").fetchall()
    assert [(r[0], r[1], r[5], r[-1]) for r in counts] == [("r1", "planner", "failure", 2)]

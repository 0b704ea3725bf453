"""Which verdict of a run is its verdict is written once (store/sql/verdict_rank.sql) and every view of a
run's verdict uses it: investigate's table and agreement line, the lineage note and the run list. Before,
five copies of the rule lived in Python strings and widget SQL, free to drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import workbench as wb
from workbench._investigate import _TABLE_SQL, agreement
from workbench._lineage_note import lineage_disagreements
from workbench.widgets import RunFilter, run_page

PACKAGE = Path(wb.__file__).parent
RULE = re.compile(r"method\s*<>\s*'blame_model'")


def test_the_ranking_is_written_once() -> None:
    where = sorted(
        str(p.relative_to(PACKAGE))
        for p in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.sql")]
        if RULE.search(p.read_text(encoding="utf-8"))
    )
    assert where == ["store/sql/verdict_rank.sql"]


def _store() -> wb.Workspace:
    """Run r: a replay verdict (writer), then a newer log-only one (planner) that it outranks; a label says
    writer; a silent_failure finding traces the answer to editor."""
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r", "outcome": "failure"},
            {"run_id": "r", "step_id": "a", "kind": "agent", "agent": "writer", "seq": 0},
            {"record": "label", "run_id": "r", "agent": "writer", "source": "ground_truth"},
        ]
    )
    for method, target, at in (
        ("shapley", "writer", "2026-01-01 00:00:00"),
        ("blame_model", "planner", "2026-01-02 00:00:00"),
    ):
        ws.con.execute(
            "INSERT INTO attributions (run_id, method, unit, target, value, params, created_at) "
            "VALUES ('r', ?, 'verdict', ?, 0.9, '{}', ?)",
            [method, target, at],
        )
    ws.con.execute(
        "INSERT INTO findings VALUES ('r', 'a', 'editor', 'silent_failure', 'critical', 'x', '{}')"
    )
    return ws


def test_every_view_picks_the_replay_verdict() -> None:
    ws = _store()
    [row] = ws.con.execute(_TABLE_SQL, [10]).fetchall()
    assert row[6] == "writer 90%"
    assert agreement(ws).startswith(
        "verdicts vs ground truth on 1 labelled failed runs: culprit agent right in 100%"
    )
    assert lineage_disagreements(ws) == []  # the shown verdict is a replay's: not compared
    assert list(run_page(ws, RunFilter()).culprit) == ["writer"]

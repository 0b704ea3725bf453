"""The workbench reads the store's own tables, whatever the user keeps on ``ws.con``.

On e352347 every read but a few (the explorer's run list, the detectors, the ingest) ran on the user's connection,
where a temporary table or view of theirs named like a store table (``CREATE TEMP VIEW runs AS ...``, the runs of
one system for their own analysis) is found before the store's: ``ws.runs()``, ``ws.count``, the summary, the
charts' data, the investigate table, the explorer's panels showed that view's rows (or failed on a bind error), and
``ws.export`` / ``ws.snapshot`` / ``ws.copy`` wrote it in place of the store."""

from __future__ import annotations

import warnings

import pytest

import workbench as wb
from workbench._investigate import investigate_table
from workbench.plots._data import detector_counts, histogram_data, timeline_data
from workbench.store._connection import TABLES


def _store() -> wb.Workspace:
    """Six runs of two systems, three steps each (the odd runs failed, their last tool call in error)."""
    runs = [
        {
            "record": "run",
            "run_id": f"r{r}",
            "system": ("billing", "search")[r >= 2],
            "outcome": ("success", "failure")[r % 2],
        }
        for r in range(6)
    ]
    steps = [
        {
            "run_id": f"r{r}",
            "step_id": f"s{i}",
            "agent": f"a{i}",
            "kind": "tool" if i else "llm",
            "name": "n",
            "tool": "lookup" if i else None,
            "entropy": 0.1 * (r + i),
            "status": "error" if i == 2 and r % 2 else "ok",
            "output": f"answer {i} of r{r}",
            "started_at": f"2026-03-01T10:0{r}:0{i}Z",
        }
        for r in range(6)
        for i in range(3)
    ]
    records = runs + steps
    ws = wb.open()
    ws.ingest(records, progress=False)
    ws.con.execute(
        "INSERT INTO findings (run_id, step_id, agent, detector, severity, detail) "
        "VALUES ('r1', 's2', 'a2', 'loop', 'warning', 'a loop'), ('r2', 's1', 'a1', 'loop', 'warning', 'x')"
    )
    return ws


def _shadow(ws: wb.Workspace) -> None:
    """The user's own temporary objects, named like every table of the store: one empty, one a view of other rows."""
    for table in (*TABLES, "meta"):
        ws.con.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM main.{table} LIMIT 0")
    ws.con.execute("DROP TABLE temp.runs")
    ws.con.execute("CREATE TEMP VIEW runs AS SELECT * FROM memory.main.runs WHERE system = 'billing'")


def _reads(ws: wb.Workspace) -> dict[str, str]:
    return {
        "runs": ws.runs().to_csv(),
        "runs silent": ws.runs(outcome="failure", silent=True).to_csv(),
        "steps": ws.steps("r1").to_csv(),
        "edges": ws.edges("r1").to_csv(),
        "labels": ws.labels().to_csv(),
        "count": str([ws.count(t) for t in TABLES]),
        "summary": ws.summary().to_csv(),
        "summary html": ws._repr_html_(),
        "timeline": timeline_data(ws, "r1").to_csv(),
        "histogram": histogram_data(ws, all_runs=True).to_csv(),
        "detector counts": detector_counts(ws).to_csv(),
        "investigate": investigate_table(ws, 10).to_csv(),
        "copy": ws.copy().runs().to_csv(),
    }


def test_a_users_temporary_tables_named_like_the_stores_change_no_read() -> None:
    ws = _store()
    before = _reads(ws)
    _shadow(ws)
    after = _reads(ws)
    assert {k: v for k, v in after.items() if v != before[k]} == {}
    assert ws.con.execute("SELECT count(*) FROM runs").fetchall() == [
        (2,)
    ]  # the user's view is left as it was
    ws.close()


def test_export_and_snapshot_write_the_store_not_the_users_view(tmp_path) -> None:  # noqa: ANN001
    ws = _store()
    _shadow(ws)
    ws.export(tmp_path / "export")
    ws.snapshot(tmp_path / "snap.duckdb")
    for copy in (wb.open(tmp_path / "export"), wb.open(tmp_path / "snap.duckdb", read_only=True)):
        assert sorted(copy.runs().run_id) == [f"r{r}" for r in range(6)]
        assert copy.count("steps") == 18 and copy.count("findings") == 2
        copy.close()
    ws.close()


def test_label_checks_the_stores_runs() -> None:
    ws = _store()
    _shadow(ws)
    ws.label("r4", outcome="failure")  # a run of the store the user's view leaves out
    assert ws.labels("r4").outcome.tolist() == ["failure"]
    with pytest.raises(wb.InvalidParameterError, match="no run 'nope'"):
        ws.label("nope", outcome="failure")
    ws.close()


def test_the_explorer_shows_the_stores_run() -> None:
    ws = _store()
    _shadow(ws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ex = wb.IncidentExplorer(ws, blame_model=None)
    ex.show_run("r3")  # a run of the store the user's view leaves out
    assert "r3" in ex.header.value and "search" in ex.header.value
    assert "s2" in str(ex.step.options) and "a loop" not in ex.findings.value
    ex.show_run("r1")
    assert "a loop" in ex.findings.value
    ex.close()
    ws.close()

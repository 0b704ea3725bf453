"""A store's own Parquet export ingested back (``ws.ingest(folder)``, ``workbench ingest folder``): every table
as it was, the same export again adds nothing, a step the store holds otherwise is quarantined at the export's
file and row (left18). Before: the export's files were "not in any known format" and nothing was read."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main
from workbench.exceptions import IngestError

_TABLES = ("runs", "steps", "edges", "labels", "findings", "attributions", "quarantine")


def _native(path: Path) -> Path:
    """Two runs on two days (two partitions of steps), a failed tool call, and two broken lines."""
    recs = []
    for run, day in (("r1", "2026-01-05"), ("r2", "2026-01-06")):
        recs.append({"record": "run", "run_id": run, "system": "shop"})
        recs.append(
            {
                "record": "step",
                "run_id": run,
                "step_id": "s1",
                "agent": "planner",
                "kind": "agent",
                "started_at": f"{day}T10:00:00Z",
                "ended_at": f"{day}T10:00:01Z",
                "output": "ask the tool",
            }
        )
        for i in (2, 3):  # the same failed call twice: a retry finding
            recs.append(
                {
                    "record": "step",
                    "run_id": run,
                    "step_id": f"s{i}",
                    "parent_id": "s1",
                    "agent": "planner",
                    "kind": "tool",
                    "tool": "get_price",
                    "input": '{"item": "widget"}',
                    "status": "error",
                    "error": "timed out",
                    "started_at": f"{day}T10:00:0{i}Z",
                    "ended_at": f"{day}T10:00:0{i}Z",
                }
            )
    lines = [json.dumps(r) for r in recs]
    lines[3:3] = ["{not json", '{"record": "step", "run_id": "r1"}']
    path.write_text("\n".join(lines) + "\n")
    return path


def _tables(ws: wb.Workspace) -> dict[str, list[tuple]]:
    return {t: ws.sql(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in _TABLES}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[wb.Workspace, Path]]:
    # Built once for the module (its detect and export were most of the module's time): no test writes into
    # this store or its export (they copy them, or ingest them elsewhere); the logs it read are beside the export.
    folder = tmp_path_factory.mktemp("left18")
    ws = wb.open(folder / "a.duckdb")
    rep = ws.ingest(_native(folder / "runs.jsonl"))
    assert rep.quarantined == 2 and rep.stored == 6
    ws.label("r1", outcome="failure", agent="planner")
    wb.detect(ws)
    yield ws, ws.export(folder / "export")
    ws.close()


def test_an_export_ingested_into_an_empty_store_gives_every_table_back(exported: tuple) -> None:
    ws, folder = exported
    before = _tables(ws)
    assert all(before[t] for t in ("runs", "steps", "edges", "labels", "findings", "quarantine"))
    back = wb.open()
    rep = back.ingest(folder)
    assert (rep.read, rep.stored, rep.quarantined, rep.added, rep.runs) == (8, 6, 2, 6, 2)
    assert _tables(back) == before
    again = back.ingest(folder)
    assert (again.read, again.stored, again.quarantined, again.added, again.runs) == (8, 6, 2, 0, 0)
    assert _tables(back) == before


def test_the_command_line_ingests_an_export(
    exported: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws, folder = exported
    assert main(["ingest", str(folder), "--db", str(tmp_path / "b.duckdb"), "--quiet"]) == 0
    assert "6 new" in capsys.readouterr().out
    with wb.open(tmp_path / "b.duckdb") as back:
        assert _tables(back) == _tables(ws)


def test_a_step_stored_otherwise_is_quarantined_at_its_file_and_row(exported: tuple) -> None:
    ws, folder = exported
    other = ws.copy()
    other.sql("UPDATE steps SET output = 'something else' WHERE run_id = 'r2' AND step_id = 's1'")
    rep = other.ingest(folder)
    assert rep.read == rep.stored + rep.quarantined
    q = other.sql("SELECT file, line, reason, step_id FROM quarantine WHERE source = 'export'").fetchall()
    assert len(q) == 1 and q[0][3] == "s1" and "differs from the stored step" in q[0][2]
    assert "/steps/day=2026-01-06/" in q[0][0] and q[0][1] >= 1
    assert other.sql("SELECT output FROM steps WHERE run_id = 'r2' AND step_id = 's1'").fetchall() == [
        ("something else",)
    ]  # the stored one kept
    held = other.sql("SELECT count(*) FROM quarantine").fetchall()
    assert other.ingest(folder).quarantined == rep.quarantined  # counted again, stored once
    assert other.sql("SELECT count(*) FROM quarantine").fetchall() == held


def test_a_damaged_export_stores_nothing_and_says_so(exported: tuple, tmp_path: Path) -> None:
    _, folder = exported
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    victim = sorted((broken / "steps").rglob("*.parquet"))[-1]
    victim.write_bytes(victim.read_bytes()[:40])
    back = wb.open()
    with pytest.raises(IngestError, match="could not be merged, nothing was stored"):
        back.ingest(broken)
    assert all(not rows for rows in _tables(back).values())


def test_an_export_among_other_paths_is_refused(exported: tuple, tmp_path: Path) -> None:
    _, folder = exported
    with pytest.raises(IngestError, match="in a call of its own"):
        wb.open().ingest([folder, _native(tmp_path / "more.jsonl")])


def test_the_same_logs_ingested_here_too_are_not_doubled(exported: tuple) -> None:
    # the same file ingested into this store on its own: the same steps and rejects, other created_at
    ws, folder = exported
    other = wb.open()
    other.ingest(folder.parent / "runs.jsonl")
    rep = other.ingest(folder)
    # the export's 2 rejects (held here already: not stored twice); its run r1, labelled a failure there and
    # not here, comes with its label and its row is rebuilt with it (left19: before, the stored row was kept
    # and the export's run row quarantined as differing)
    assert (rep.added, rep.quarantined) == (0, 2)
    mine, theirs = _tables(other), _tables(ws)
    assert mine["steps"] == theirs["steps"] and mine["runs"] == theirs["runs"] and len(mine["labels"]) == 1
    assert len(mine["quarantine"]) == 2

"""An export column named ``filename`` or ``file_row_number`` (what read_parquet adds to say where a row came
from) is read like any other column the store has not (noted, not read): the merge used to refuse the whole
export ("Option file_row_number adds column ..."), storing nothing. Where a row is quarantined, its file and
row are still the file's own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from _deep import deep

import workbench as wb


@pytest.fixture(scope="module")
def built_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The export, built once for the module's cases (a file store's ingest and export, ~0.45 CPU s);
    each case forges a copy of its own (``export`` below)."""
    return _build_export(tmp_path_factory.mktemp("read_along"))


@pytest.fixture
def export(built_export: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(built_export, tmp_path / "export"))


def _build_export(tmp_path: Path) -> Path:
    recs = []
    for run in ("r1", "r2"):
        recs.append({"record": "run", "run_id": run, "system": "shop"})
        for i in (1, 2, 3):
            recs.append(
                {
                    "record": "step",
                    "run_id": run,
                    "step_id": f"s{i}",
                    "agent": "planner",
                    "kind": "tool",
                    "tool": "get_price",
                    "started_at": f"2026-01-05T10:00:0{i}Z",
                    "ended_at": f"2026-01-05T10:00:0{i}Z",
                    "output": "ok",
                }
            )
    logs = tmp_path / "runs.jsonl"
    logs.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    with wb.open(tmp_path / "a.duckdb") as ws:
        assert ws.ingest(logs, progress=False).stored == 6
        return ws.export(tmp_path / "export")


def _rewrite(f: Path, select: str) -> None:
    duckdb.connect().execute(
        f"COPY (SELECT {select} FROM read_parquet('{f}') t) TO '{f}.new' (FORMAT parquet)"
    )
    shutil.move(f"{f}.new", f)


# Both read-along names in one export, and a name of another case beside the merge's own file column; each name
# alone (the same path as both: every check made of each) only in a deep run (tests/_deep.py)
@pytest.mark.parametrize(
    "names",
    [
        ("filename", "file_row_number"),
        ("FileName", "wb_export_file"),
        *([("filename",), ("file_row_number",)] if deep() else []),
    ],
)
def test_an_export_column_of_a_read_along_name_is_read_like_any_other(
    names: tuple[str, ...], export: Path
) -> None:
    folder = export
    files = sorted((folder / "steps").rglob("*.parquet"))
    extra = ", ".join(f"'x' || step_id AS \"{n}\"" for n in names)
    for f in files:
        _rewrite(f, f"*, {extra}")
    # one step forged in the last file (no step id): quarantined at that file and row, the others merged
    last = files[-1]
    _rewrite(
        last, "* REPLACE (CASE WHEN run_id = 'r2' AND step_id = 's3' THEN NULL ELSE step_id END AS step_id)"
    )
    forged = duckdb.sql(
        f"SELECT row_number FROM (SELECT step_id, row_number() OVER () AS row_number "
        f"FROM read_parquet('{last}')) WHERE step_id IS NULL"
    ).fetchall()[0][0]
    ws = wb.open()
    rep = ws.ingest(folder, progress=False)
    assert (rep.stored, rep.quarantined) == (5, 1), str(rep)
    assert ws.sql("SELECT count(*) FROM steps").fetchall()[0][0] == 5
    assert rep.errors[0].startswith(f"{last}:{forged}: ") and "column step_id is empty" in rep.errors[0]
    said = " ".join(rep.notes)
    assert all(repr(n) in said for n in names) and "not read" in said

"""A DuckDB file keeps user types, and a type named like one of DuckDB's that is not reserved (JSON, the json
extension's) is taken for it in every cast of the store's SQL. A crafted store defining ``json`` as INTEGER made
every ingest fail on "Could not convert string ... to INT32" (an error naming neither the file nor the cause);
as VARCHAR it would change what the store's JSON comparisons see. Refused on opening now, as macros and views
named like the store's are (attack22); a type of the user's own, named otherwise, still opens."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

import workbench as wb
from workbench.exceptions import StoreError


def _store(tmp_path: Path) -> Path:
    logs = tmp_path / "runs.jsonl"
    logs.write_text(
        json.dumps(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": "s1",
                "agent": "planner",
                "kind": "llm",
                "input": {"q": 1},
            }
        )
        + "\n"
    )
    db = tmp_path / "incident.duckdb"
    with wb.open(db) as ws:
        ws.ingest(logs, progress=False)
    return db


@pytest.mark.parametrize("read_only", [False, True])
@pytest.mark.parametrize("as_type", ["INTEGER", "VARCHAR", "ENUM ('a')"])
def test_attack24_type_named_like_duckdbs_is_refused(tmp_path: Path, read_only: bool, as_type: str) -> None:
    db = _store(tmp_path)
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TYPE json AS {as_type}")
    con.close()
    # old code: opened; an ingest then failed on a conversion error, or read JSON as the file's type
    with pytest.raises(StoreError, match=r"incident\.duckdb: it defines types 'json' named like DuckDB's"):
        wb.open(db, read_only=read_only)


def test_attack24_a_type_of_the_users_own_still_opens(tmp_path: Path) -> None:
    db = _store(tmp_path)
    con = duckdb.connect(str(db))
    con.execute("CREATE TYPE mood AS ENUM ('ok', 'bad')")
    con.close()
    with wb.open(db) as ws:
        rep = ws.ingest(tmp_path / "runs.jsonl", progress=False)
        assert (rep.read, rep.added, rep.quarantined) == (1, 0, 0)

"""A store a newer workbench wrote is refused read-only too, and a store refused at opening is let go.

On e352347 ``wb.open(path, read_only=True)`` never read the schema version (only the writable open's migration
did): a store of a newer workbench was read as this one's, not a word said. And a writable open refused (a newer
store, a memory limit DuckDB does not understand) left its connection open while the error lived (a notebook keeps
the last one): the file stayed locked, and opening it read-only in the same process failed on DuckDB's "different
configuration"."""

from __future__ import annotations

import duckdb
import pytest

import workbench as wb


def _store(path, version: str | None = None) -> None:  # noqa: ANN001
    ws = wb.open(path)
    ws.ingest([{"run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"}], progress=False)
    ws.close()
    if version is not None:
        con = duckdb.connect(str(path))
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
        con.close()


def test_a_newer_store_is_refused_read_only_too(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "newer.duckdb"
    _store(path, "99")
    for read_only in (False, True):
        with pytest.raises(wb.StoreError, match="schema version 99, newer than this workbench"):
            wb.open(path, read_only=read_only)


def test_a_store_refused_at_opening_is_let_go(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "store.duckdb"
    _store(path)
    with pytest.raises(wb.StoreError, match="memory_limit") as refused:
        wb.open(path, memory_limit="lots")
    # (the error kept, as a notebook keeps the last one: its frames must not hold the store open)
    assert refused.value is not None
    with wb.open(path, read_only=True) as ws:
        assert ws.count("steps") == 1

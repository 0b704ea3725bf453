"""A store file whose ``meta`` row says a schema version that is no version (a damaged or hand-edited file): the
export's gate (``export_schema_version``) refuses such a value with a StoreError naming the folder; the store's
own gate let Python's ``int()`` fail: a bare ValueError / KeyError naming neither the file nor the table (found by
attack44, fixed by storeb44 in ``_connection.py::schema_version``); the gate's own case, a newer number, is
tests/store/test_attack33_store_version.py's."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import workbench as wb


@pytest.fixture(scope="module")
def fresh_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("attack44_meta") / "fresh.duckdb"
    wb.open(path).close()
    return path


@pytest.mark.parametrize("version", ["abc", "3.5", "-1"])
def test_a_store_whose_schema_version_is_no_version_is_refused_naming_it(
    fresh_store: Path, tmp_path: Path, version: str
) -> None:
    path = tmp_path / "store.duckdb"
    shutil.copy(fresh_store, path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
    with pytest.raises(wb.StoreError, match="schema version") as raised:
        wb.open(path)
    # (names the file and the value it found, so that the SRE knows which store to restore and why)
    assert str(path) in str(raised.value) and repr(version) in str(raised.value)
    with pytest.raises(wb.StoreError, match="schema version"):
        wb.open(path, read_only=True)

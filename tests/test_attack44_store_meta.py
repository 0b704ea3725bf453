"""A store file whose ``meta`` row says a schema version that is no version (a damaged or hand-edited file): the
export's gate (``export_schema_version``) refuses such a value with a StoreError naming the folder, but the store's
own gate lets Python's ``int()`` fail: a bare ValueError / KeyError naming neither the file nor the table. A strict
xfail naming the function at fault (attack44 fixes nothing in others' files); the gate's own case, a newer
number, is tests/store/test_attack33_store_version.py's."""

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


@pytest.mark.xfail(
    strict=True,
    reason="workbench/store/_connection.py::schema_version reads the version with a bare int(): 'abc' and '3.5' "
    "raise ValueError, '-1' a KeyError from MIGRATIONS (ensure_schema), none naming the store",
)
@pytest.mark.parametrize("version", ["abc", "3.5", "-1"])
def test_a_store_whose_schema_version_is_no_version_is_refused_naming_it(
    fresh_store: Path, tmp_path: Path, version: str
) -> None:
    path = tmp_path / "store.duckdb"
    shutil.copy(fresh_store, path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [version])
    with pytest.raises(wb.StoreError, match="schema version"):
        wb.open(path)

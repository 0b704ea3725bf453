"""A path no file can have gets the workbench's own error, and opens nothing else.

On e352347 ``wb.open("a\\x00b")`` opened (or created) the store ``a`` (DuckDB reads the name as a C string), and a
name too long for a file (log text given where a path goes) raised a bare ``OSError`` from ``wb.open``,
``ws.ingest`` and ``wb.open_path`` (``Path.is_dir`` raises "File name too long" where it returns False for a
missing file)."""

from __future__ import annotations

import pytest

import workbench as wb

LONG = '{"run_id": "r1", "step_id": "s1", "output": "' + "x" * 5000 + '"}'


def test_a_nul_in_a_store_path_opens_no_other_file(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    with pytest.raises(wb.StoreError, match="NUL"):
        wb.open("a\x00b.duckdb")
    assert list(tmp_path.iterdir()) == []


def test_a_name_too_long_for_a_file_is_a_clear_error(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    with pytest.raises(wb.StoreError, match="cannot open"):
        wb.open(LONG)
    with wb.open() as ws:
        with pytest.raises(wb.IngestError, match="no such file"):
            ws.ingest(LONG)
        with pytest.raises(wb.IngestError, match="no such file"):
            ws.ingest([LONG])
        assert ws.count("steps") == 0
    with pytest.raises(wb.IngestError, match="no such file"):
        wb.open_path(LONG)
    assert list(tmp_path.iterdir()) == []

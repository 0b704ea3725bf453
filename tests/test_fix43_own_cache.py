"""One ``_own_cache`` fixture for the suite (tests/conftest.py, fix43), where 17 modules each had a copy: a test
that uses it gets a demo cache folder of its own and no store inherited from ``$WORKBENCH_DB``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbench as wb


@pytest.fixture()
def _inherited_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DB", "/somewhere/else.duckdb")


@pytest.mark.usefixtures("_inherited_store", "_own_cache")
def test_the_fixture_gives_the_test_its_own_cache_and_no_inherited_store(tmp_path: Path) -> None:
    assert os.environ["WORKBENCH_CACHE_DIR"] == str(tmp_path / "cache")
    assert "WORKBENCH_DB" not in os.environ
    assert wb.demo.cache_dir() == tmp_path / "cache"


def test_no_module_keeps_a_copy_of_it() -> None:
    copies = [
        str(p)
        for p in Path(__file__).parent.rglob("test_*.py")
        if p.name != Path(__file__).name and "def _own_cache(" in p.read_text("utf-8")
    ]
    assert copies == []

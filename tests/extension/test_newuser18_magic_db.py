"""``%workbench investigate --db FILE`` with a mistyped FILE created an empty store there and showed
"0 runs, 0 failed", read as "nothing failed" (the command line did the same)."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError


def test_investigate_db_that_does_not_exist_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "workbench")
    with pytest.raises(UsageError, match="--db incidnets.duckdb: no such file or folder"):
        ip.run_line_magic("workbench", "investigate --db incidnets.duckdb")
    assert not (tmp_path / "incidnets.duckdb").exists()

"""``%workbench`` lines with a comment after them, as the README writes them: IPython hands a line magic the
whole rest of the line, and ``%workbench open traces.otlp.jsonl  # ingest it`` opened a file named ``#``."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb


def test_a_comment_after_the_magic_is_not_an_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.chdir(tmp_path)
    wb.sim.write_jsonl(wb.sim.procurement(seed=3).generate(2), "run#2.jsonl")  # a '#' inside a name is kept
    wb.sim.write_jsonl(wb.sim.procurement(seed=4).generate(3), "my #3.jsonl")  # and in quotes
    ip = get_ipython()
    ip.run_line_magic("load_ext", "workbench")
    ip.run_line_magic("workbench", "open run#2.jsonl --as first   # ingest it, then show it")
    assert len(ip.user_ns["first"].runs()) == 2 and (tmp_path / "run#2.duckdb").is_file()
    ip.run_line_magic("workbench", "open 'my #3.jsonl' --as second #no space before the comment's words")
    assert len(ip.user_ns["second"].runs()) == 3
    found = ip.run_line_magic("workbench", "investigate --no-attribute   # on the last one opened")
    assert "3 runs" in repr(found)

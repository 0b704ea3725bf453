"""bench/ingest.py (issue 11): every child process reads one bytecode cache, warmed before the timed runs, so a
figure never counts compiling the workbench's modules (PYTHONDONTWRITEBYTECODE=1 made each child compile them
again, a checkout compiled once by anyone paid less). Not timed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import ingest as bench_ingest  # noqa: E402


def test_children_share_a_warmed_bytecode_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "pycache"
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(bench_ingest, "_PYCACHE", [str(cache)])
    monkeypatch.setattr(bench_ingest, "_WARMED", set())
    env = bench_ingest._env(None, None)
    assert env["PYTHONPYCACHEPREFIX"] == str(cache)
    assert "PYTHONDONTWRITEBYTECODE" not in env  # (else nothing is written to the cache)
    assert env["PYTHONPATH"] == str(Path(bench_ingest.__file__).resolve().parents[1])  # (this checkout's)
    # the untimed warm-up runs once per method, kind and interpreter (a second would fail: no such interpreter);
    # what it compiles there the timed children read (Python's PYTHONPYCACHEPREFIX; a real child is not run
    # here: compiling DuckDB's modules into a fresh cache cost this test 4 s)
    small = tmp_path / "native_small.jsonl"
    bench_ingest._WARMED.add(("duckdb-bare", "native", str(tmp_path / "no-python")))
    bench_ingest._warm("duckdb-bare", "native", small, str(tmp_path / "no-python"))
    with pytest.raises(FileNotFoundError):
        bench_ingest._warm("duckdb-bare", "sdk", small, str(tmp_path / "no-python"))


def test_cold_bytecode_leaves_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(bench_ingest, "_PYCACHE", [])
    env = bench_ingest._env(None, "serial")
    assert env["PYTHONDONTWRITEBYTECODE"] == "1" and "PYTHONPYCACHEPREFIX" not in env
    assert env["WORKBENCH_OTLP_PIPELINE"] == "serial"

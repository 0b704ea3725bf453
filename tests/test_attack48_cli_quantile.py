"""``workbench policy suggest --method peaks --quantile Q``: the command line checks Q with ``_rate`` ("must be in
[0, 1]", ``cli.py``) while ``suggest_limits`` takes (0, 1]. ``--quantile 0`` passes the command line's check, the
paths are ingested into ``--db``, and only then is it refused (exit 2, "'quantile' must be in (0, 1]", without
the "see --help" of an argument error): a bad argument has written the user's store. Round 47 made ``--quantile``
an argument of ``--method peaks`` (claims47); its range check is the argparse one. attack48's strict xfail (LOW)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main


@pytest.mark.xfail(
    strict=True,
    reason="cli.py: --quantile's check (_rate, [0, 1]) takes 0, which suggest_limits refuses after the paths were "
    "ingested into --db",
)
def test_a_quantile_suggest_limits_refuses_is_refused_before_any_ingest(tmp_path: Path) -> None:
    log = tmp_path / "one.jsonl"
    records = [
        {"record": "run", "run_id": "r1", "outcome": "failure"},
        {"record": "step", "run_id": "r1", "step_id": "s0", "agent": "a", "kind": "llm", "output": "x"},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    db = tmp_path / "store.duckdb"
    argv = ["policy", "suggest", "--quiet", "--method", "peaks", "--quantile", "0"]
    rc = main([*argv, "--db", str(db), "-o", str(tmp_path / "p.yaml"), str(log)])
    assert rc == 2
    if db.exists():
        ws = wb.open(db, read_only=True)
        assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(0,)]

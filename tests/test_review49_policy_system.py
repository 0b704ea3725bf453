"""review49: ``workbench policy backtest``'s default system (walk49's ``_cli_policy._system_runs``) reads a peaks
policy's ``provenance.sweep["system"]`` as the system it was learned for. A policy of every run's limits,
``wb.suggest_limits(ws, by_system=False).to_policy()``, carries the system ``""`` there too (every run is put in one
group named ``""``), the same as a policy of the runs with no system name: on a store holding runs of two systems and
some with none, its backtest replays only the runs with no system (2 of 8 here), said as "the one the limits were
learned for". Mended by the lead: ``LimitSuggestions.by_system`` is kept, and a policy of every run's limits
records no system."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import workbench as wb
from workbench._cli_policy import _system_runs


def _records() -> list[dict]:
    out: list[dict] = []
    for n, system in enumerate(["desk-a"] * 3 + ["desk-b"] * 3 + [None] * 2):
        run = {"record": "run", "run_id": f"r{n}", "outcome": "success"}
        if system is not None:
            run["system"] = system
        out.append(run)
        for i in range(2):
            out.append(
                {
                    "run_id": f"r{n}",
                    "step_id": f"r{n}-s{i}",
                    "agent": "clerk",
                    "kind": "tool",
                    "tool": "price",
                    "input": {"sku": f"{n}-{i}"},
                    "latency_ms": 100.0,
                    "started_at": f"2026-01-01T{n:02d}:00:{i:02d}Z",
                }
            )
    return out


def test_a_policy_of_every_run_is_backtested_on_every_run(tmp_path: Path) -> None:
    log = tmp_path / "mix.jsonl"
    log.write_text("".join(json.dumps(x) + "\n" for x in _records()))
    with wb.open() as ws:
        ws.ingest(log, progress=False)
        policy = wb.suggest_limits(ws, by_system=False, min_runs=1).to_policy()
        # (the runs `workbench policy backtest all.yaml --db mix.duckdb` replays: None, every run)
        runs, system = _system_runs(ws, policy, argparse.Namespace(system=None, policy="all.yaml"))
    assert (runs, system) == (None, None)

"""Simulated runs shared by the policy tests: generated and ingested once per session."""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="session")
def sim_runs() -> list:
    # A high fault rate gives every fault kind (loops, retries, ping-pong, timeouts ...) in few runs.
    return list(wb.sim.procurement(seed=5, fault_rate=0.5).generate(120))


@pytest.fixture(scope="session")
def sim_ws(sim_runs: list, tmp_path_factory: pytest.TempPathFactory):
    # read from the JSONL file the simulator writes: the same runs as ingesting the Run objects, each JSON text's
    # keys sorted, at a fifth of the CPU (tests/detect/test_on_simulator.py's _store_of)
    path = tmp_path_factory.mktemp("policy_sim") / "runs.jsonl"
    wb.sim.write_jsonl(sim_runs, path)
    ws = wb.open()
    ws.ingest(path, progress=False)
    return ws

"""Simulated runs shared by the policy tests: generated and ingested once per session."""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="session")
def sim_runs() -> list:
    # A high fault rate gives every fault kind (loops, retries, ping-pong, timeouts ...) in few runs.
    return list(wb.sim.procurement(seed=5, fault_rate=0.5).generate(120))


@pytest.fixture(scope="session")
def sim_ws(sim_runs: list):
    ws = wb.open()
    ws.ingest(sim_runs, progress=False)
    return ws

"""Shared simulated runs: generated once per test session, so the sim tests stay fast."""

from __future__ import annotations

import pytest

import workbench.sim as sim


@pytest.fixture(scope="session")
def system() -> sim.ProcurementSystem:
    # A high fault rate and an early drift point give every fault kind within a few hundred runs.
    return sim.procurement(seed=11, fault_rate=0.5, drift_at=250)


@pytest.fixture(scope="session")
def runs(system: sim.ProcurementSystem) -> list[sim.SimRun]:
    return list(system.generate(500))

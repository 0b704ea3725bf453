"""A simulated store shared by the threshold tests."""

from __future__ import annotations

import pytest

import workbench as wb


@pytest.fixture(scope="session")
def sweep_ws():
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=3, fault_rate=0.4).generate(150), progress=False)
    return ws

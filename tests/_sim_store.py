"""The simulated store the widget and chart tests use, defined once.

tests/widgets/conftest.py and tests/plots/conftest.py both import these fixtures: each conftest
registers its own copy, so each directory still gets its own store (the widget tests write
attributions into theirs): a copy of one built once per process (tests/_built.py).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
from _built import copy_of

import workbench as wb

sys.path.insert(0, str(Path(__file__).parent / "widgets"))  # payload.py, the XSS run


@pytest.fixture(scope="session")
def system() -> wb.sim.ProcurementSystem:
    return wb.sim.procurement(seed=11, fault_rate=0.5, drift_at=60)


@pytest.fixture(scope="session")
def ws(system: wb.sim.ProcurementSystem) -> wb.Workspace:
    """120 simulated runs with findings (detectors run once per process)."""

    def build() -> wb.Workspace:
        ws = wb.open()
        ws.ingest(system.generate(120), progress=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # scipy on tiny drift segments
            wb.detect(ws)
        return ws

    return copy_of(("procurement", 11, 0.5, 60, 120), build)  # (the settings of `system` above)


@pytest.fixture()
def xss_ws() -> wb.Workspace:
    from payload import add_payload_finding, payload_records

    ws = wb.open()
    ws.ingest(payload_records(), progress=False)
    add_payload_finding(ws)
    return ws

"""claims47 made ``runs=[]`` say what it is instead of something false of the store ("no step in this store has a
confidence"). ``runs=`` naming runs of the store that lack the signal, in a store whose other runs carry it, still
says the false thing: ``sweep_thresholds(ws, signal="confidence", runs=["r1"])`` "no step in this store has a
value for 'confidence' (no step carries token log-probabilities ...)", ``confidence_calibration`` "no step in this
store has a confidence (... in the logs)", of a store where run r3's steps have one. The words should be of the
runs given. attack48's (strict xfail, mended by mend48: now a plain test) (LOW)."""

from __future__ import annotations

import pytest
from _attack47_runs import loop_run

import workbench as wb


@pytest.fixture(scope="module")
def store() -> wb.Workspace:
    ws = wb.open()
    with_signal = loop_run("r3")
    for step in with_signal[1:]:
        step["confidence"] = 0.9
    ws.ingest(loop_run("r1") + with_signal, progress=False)
    return ws


@pytest.mark.parametrize("call", ["sweep_thresholds", "confidence_calibration"])
def test_runs_given_without_a_signal_are_not_called_the_store(call: str, store: wb.Workspace) -> None:
    kwargs = {"signal": "confidence"} if call == "sweep_thresholds" else {}
    with pytest.raises(wb.InvalidParameterError) as raised:
        getattr(wb, call)(store, runs=["r1"], **kwargs)
    assert "in this store" not in str(raised.value)

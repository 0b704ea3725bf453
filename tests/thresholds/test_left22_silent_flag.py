"""``silent=`` is a bool everywhere it is taken: a string such as "false" (from a config file or a query
string) used to read as true (``bool("false")``), counting silent failures as failed when the caller asked
for the opposite. Every public function that takes it now refuses a non-bool with a TypeError naming
itself; True/False and numpy bools still work."""

from __future__ import annotations

import numpy as np
import pytest
from _left21_silent import BAD, GOOD, SILENT, silent_store

import workbench as wb
from workbench import plots
from workbench.thresholds import available_signals, confidence_calibration
from workbench.widgets import DriftMonitor, RunFilter


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    return silent_store()


CALLS = {
    "ws.runs": lambda ws, s: ws.runs(silent=s),
    "histogram_data": lambda ws, s: plots.histogram_data(ws, "entropy", silent=s),
    "calibration_data": lambda ws, s: plots.calibration_data(ws, silent=s),
    "agent_series": lambda ws, s: plots.agent_series(ws, silent=s),
    "confidence_calibration": lambda ws, s: confidence_calibration(ws, silent=s),
    "available_signals": lambda ws, s: available_signals(ws, silent=s),
    "sweep_thresholds": lambda ws, s: wb.sweep_thresholds(ws, "tool_calls", silent=s),
    "policy_from_findings": lambda ws, s: wb.policy_from_findings(ws, silent=s),
    "suggest_limits": lambda ws, s: wb.suggest_limits(ws, min_runs=2, silent=s),
    "backtest": lambda ws, s: wb.backtest(wb.Policy(), ws, silent=s),
    "RunFilter": lambda ws, s: RunFilter(silent=s),
    "DriftMonitor": lambda ws, s: DriftMonitor(ws, silent=s),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("bad", ["false", "False", 0, 1, None])
def test_non_bool_silent_is_refused_naming_the_call(ws: wb.Workspace, name: str, bad: object) -> None:
    where = "agent_series" if name == "DriftMonitor" else name
    with pytest.raises(TypeError, match=rf"{where}: silent must be True or False \(got {bad!r}"):
        CALLS[name](ws, bad)


@pytest.mark.parametrize("name", list(CALLS))
def test_bools_and_numpy_bools_still_work(ws: wb.Workspace, name: str) -> None:
    for flag in (True, False, np.bool_(False)):
        try:
            CALLS[name](ws, flag)
        except wb.InvalidParameterError as exc:  # past the flag: this store's steps carry no confidence
            assert name == "confidence_calibration" and "confidence" in str(exc), exc


def test_false_counts_as_reported(ws: wb.Workspace) -> None:
    # what "false" was meant to ask for, asked for with the bool: the silent failures stay successes
    assert len(ws.runs(outcome="failure", silent=False)) == BAD
    assert len(ws.runs(outcome="failure", silent=np.bool_(True))) == BAD + SILENT
    assert len(ws.runs()) == BAD + SILENT + GOOD

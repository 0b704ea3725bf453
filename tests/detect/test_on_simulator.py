"""Detectors scored against the simulator's ground truth on a seed nothing was tuned on."""

from __future__ import annotations

import warnings

import pytest

import workbench as wb
from workbench.detect import detect, drift_delay, evaluate_detectors


@pytest.fixture(scope="module")
def scored():
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=23, drift_at=700).generate(1400))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's exact KS falls back to asymptotic
        detect(ws)
    return ws, evaluate_detectors(ws).set_index("detector")


@pytest.mark.parametrize(("detector", "recall", "precision"), [
    ("loop", 0.95, 0.90),
    ("retry", 0.95, 0.75),
    ("ping_pong", 0.95, 0.70),
    ("silent_failure", 0.80, 0.90),
    ("cascade", 0.75, 0.90),
])
def test_recall_and_precision(scored, detector: str, recall: float, precision: float) -> None:
    _, table = scored
    row = table.loc[detector]
    assert row["labelled_runs"] >= 15, "too few labelled runs to score"
    assert row["recall"] >= recall, row.to_dict()
    assert row["precision"] >= precision, row.to_dict()


def test_drift_found_within_one_window(scored) -> None:
    ws, _ = scored
    delays = drift_delay(ws)
    assert (delays["found"] == True).all(), delays  # noqa: E712 - "false alarm" rows are strings
    assert delays["delay_windows"].abs().max() <= 1.0


def test_no_drift_no_alarm() -> None:
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=29, drift_at=10**6).generate(900))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        found = detect(ws, detectors=["drift"])
    assert found.empty, found["detail"].tolist()

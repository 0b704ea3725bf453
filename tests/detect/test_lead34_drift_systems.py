"""Drift compares one system's agent with itself, never with another system's agent of the same name.

On afb0fc3 the drift detector grouped the store's runs by agent name alone: on a store of two systems whose
agents are both called "writer", the later system's writer (slower by design) read as the earlier one drifting,
a warning of a change that never happened; and a model change of one system's agent was named the cause of
another system's shift."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np

import workbench as wb
from workbench.detect import DetectorConfig

_CONFIG = DetectorConfig(drift_windows=2, drift_min_runs=20)


def _records(
    system: str, start: datetime, latencies: np.ndarray, model: str | None = None, agent: str = "writer"
) -> list[dict]:
    out = []
    for i, ms in enumerate(latencies):
        run, at = f"{system}-{i}", (start + timedelta(hours=i)).isoformat() + "Z"
        out.append({"record": "run", "run_id": run, "system": system, "started_at": at})
        out.append(
            {
                "run_id": run,
                "step_id": "s0",
                "agent": agent,
                "kind": "llm",
                "latency_ms": float(ms),
                "started_at": at,
                **({"model": model} if model else {}),
            }
        )
    return out


def _ws(*parts: list[dict]) -> wb.Workspace:
    ws = wb.open()
    ws.ingest([r for p in parts for r in p], progress=False)
    return ws


def test_two_systems_steady_writers_raise_no_drift() -> None:
    rng = np.random.default_rng(3)
    ws = _ws(
        _records("quotes", datetime(2026, 3, 1), rng.normal(100, 10, 60)),
        _records("reports", datetime(2026, 3, 10), rng.normal(5000, 100, 60)),
    )
    found = wb.detect(ws, config=_CONFIG, detectors=["drift"])
    assert found[found.detector == "drift"].empty, found.detail.tolist()


def test_a_real_shift_of_one_system_is_found_and_named_with_its_system() -> None:
    rng = np.random.default_rng(4)
    shifted = np.r_[rng.normal(100, 10, 40), rng.normal(400, 10, 40)]
    ws = _ws(
        _records("quotes", datetime(2026, 3, 1), rng.normal(100, 10, 80)),
        _records("pricing", datetime(2026, 3, 1), shifted),
    )
    found = wb.detect(ws, config=_CONFIG, detectors=["drift"])
    drift = found[found.detector == "drift"]
    assert len(drift) == 1, drift.detail.tolist()
    (row,) = drift.itertuples()
    assert row.run_id.startswith("pricing-") and "writer (pricing) changed" in row.detail, row.detail
    assert json.loads(row.attributes)["system"] == "pricing"


def test_another_system_s_model_change_is_no_cause() -> None:
    rng = np.random.default_rng(5)
    # the pricing system's pricer changes model at hour 40; the quotes writer shifts in the same hours, on one
    # model: two systems, two unrelated changes
    pricing = _records(
        "pricing", datetime(2026, 3, 1), rng.normal(100, 10, 40), model="m1", agent="pricer"
    ) + [
        {**r, "run_id": r["run_id"].replace("pricing-", "pricing-b")}
        for r in _records(
            "pricing",
            datetime(2026, 3, 1) + timedelta(hours=40),
            rng.normal(300, 10, 40),
            model="m2",
            agent="pricer",
        )
    ]
    quotes = _records("quotes", datetime(2026, 3, 1), np.r_[rng.normal(100, 10, 40), rng.normal(200, 10, 40)])
    found = wb.detect(_ws(pricing, quotes), config=_CONFIG, detectors=["drift"])
    drift = found[found.detector == "drift"]
    quotes_row = drift[drift.run_id.str.startswith("quotes-")]
    assert len(quotes_row) == 1, drift.detail.tolist()
    assert json.loads(quotes_row.attributes.iat[0])["downstream_of"] is None, quotes_row.detail.iat[0]
    assert "downstream" not in quotes_row.detail.iat[0]
    pricer = drift[drift.agent == "pricer"]
    assert len(pricer) == 1 and json.loads(pricer.attributes.iat[0])["segmentation"] == "version", (
        pricer.detail
    )

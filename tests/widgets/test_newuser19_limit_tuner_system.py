"""LimitTuner opens on the system most runs belong to, not the first by name: in a folder of mixed
real traces (newuser19's walk) the first by name was a one-run export, and notebook 03's
``view.export_policy()`` wrote that run's limits as the policy."""

from __future__ import annotations

from pathlib import Path

import workbench as wb
from workbench.widgets import LimitTuner

T0 = 1_767_225_600_000_000_000


def _runs(system: str, n: int, first: int) -> list[dict]:
    recs: list[dict] = []
    for i in range(first, first + n):
        run_id = f"{system}-{i}"
        recs.append({"record": "run", "run_id": run_id, "system": system, "outcome": "success"})
        for k in range(1 + i % 3):
            t = T0 + (i * 100 + k) * 1_000_000_000
            recs.append({"record": "step", "run_id": run_id, "step_id": f"s{k}", "agent": "worker", "kind": "tool",
                         "name": "lookup", "input": f"q{k}", "started_at": t, "ended_at": t + 200_000_000,
                         "status": "ok"})
    return recs


def test_opens_on_the_system_with_most_runs(tmp_path: Path) -> None:
    ws = wb.open()
    ws.ingest(_runs("aardvark-export", 1, 0) + _runs("quotes", 7, 10), progress=False)
    view = LimitTuner(ws, policy_path=str(tmp_path / "limits_policy.yaml"))
    assert view.system.value == "quotes"
    assert view.export_policy().name == "quotes"


def test_a_named_system_is_kept_and_ties_go_by_name() -> None:
    ws = wb.open()
    ws.ingest(_runs("beta", 3, 0) + _runs("alpha", 3, 10), progress=False)
    assert LimitTuner(ws).system.value == "alpha"
    assert LimitTuner(ws, system="beta").system.value == "beta"

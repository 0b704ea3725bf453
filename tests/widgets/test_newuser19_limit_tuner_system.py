"""LimitTuner opens on the system most runs belong to, not the first by name: in a folder of mixed
real traces (newuser19's walk) the first by name was a one-run export, and notebook 03's
``view.export_policy()`` wrote that run's limits as the policy."""

from __future__ import annotations

from pathlib import Path

from test_ux34_views import _runs as _outcome_runs

import workbench as wb
from workbench.widgets import LimitTuner


def _runs(system: str, n: int, first: int) -> list[dict]:
    return _outcome_runs(system, "s" * n, first)  # n successful runs


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

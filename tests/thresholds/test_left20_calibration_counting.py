"""The confidence calibration counts failed runs as investigate, the sweep and the backtest do: a run
that reported success but whose answer quotes a value no tool returned (a critical silent_failure
finding, investigate's SILENT*) is a failure there too; ``silent=False`` gives the stored outcome,
and the frame says which counting it used. Investigate's failed runs are read from the same
``run_outcomes.sql``."""

from __future__ import annotations

import pytest

import workbench as wb

T0 = 1_767_225_600_000_000_000
S = 1_000_000_000


def _run(run_id: str, outcome: str, answer: str, confidence: float, made_up: bool = False) -> list[dict]:
    """A price look-up (12.50), an LLM step of ``confidence``, an answer; ``made_up``: the LLM states
    13.75, which the answer quotes (no tool returned it)."""
    recs: list[dict] = [
        {
            "record": "run",
            "run_id": run_id,
            "system": "shop",
            "task": "buy 40 units of SKU-7",
            "outcome": outcome,
        }
    ]
    steps = [
        {"kind": "system", "name": "run", "output": answer},
        {
            "kind": "tool",
            "agent": "pricer",
            "tool": "get_price",
            "input": '{"sku": "SKU-7"}',
            "output": '{"sku": "SKU-7", "price": 12.50}',
        },
        {
            "kind": "llm",
            "agent": "pricer",
            "confidence": confidence,
            "output": "unit price is 13.75" if made_up else "unit price is 12.50",
        },
    ]
    for i, fields in enumerate(steps):
        start = T0 + i * S
        rec = {
            "run_id": run_id,
            "step_id": f"s{i:02d}",
            "started_at": start,
            "ended_at": start + (100 * S if i == 0 else S // 2),
            "status": "ok",
            **fields,
        }
        if i:
            rec["parent_id"] = "s00"
        recs.append(rec)
    return recs


def _store(silent_runs: int) -> wb.Workspace:
    """2 failed runs (confidence 0.2), ``silent_runs`` silent failures and 4 good runs (0.9)."""
    records: list[dict] = []
    for i in range(2):
        records += _run(f"bad{i}", "failure", "could not order", 0.2)
    for i in range(silent_runs):
        records += _run(f"silent{i}", "success", "Ordered 40 units at 13.75, total 550.00", 0.9, made_up=True)
    for i in range(4):
        records += _run(f"good{i}", "success", "Ordered 40 units at 12.50 each (total 500.00)", 0.9)
    ws = wb.open()
    ws.ingest(records, progress=False)
    wb.detect(ws)
    return ws


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    return _store(silent_runs=2)


def test_fixture_has_two_runs_taken_as_failed(ws: wb.Workspace) -> None:
    from workbench._failed import taken_as_failed

    assert sorted(taken_as_failed(ws)) == ["silent0", "silent1"]


def test_calibration_counts_silent_failures_as_failed(ws: wb.Workspace) -> None:
    cal = wb.confidence_calibration(ws, n_bins=2, strategy="uniform")
    high = cal.loc[cal["mean_confidence"].idxmax()]
    # 6 runs at 0.9: 4 succeeded, 2 taken as failed (old code: 6 of 6 succeeded)
    assert high["success_rate"] == pytest.approx(4 / 6)
    assert "silent failures" in cal.attrs["counting"] and "taken as failed" in cal.attrs["counting"]
    old = wb.confidence_calibration(ws, n_bins=2, strategy="uniform", silent=False)
    assert old.loc[old["mean_confidence"].idxmax(), "success_rate"] == pytest.approx(1.0)
    assert "reported" in old.attrs["counting"]


def test_the_plot_data_counts_as_the_calibration(ws: wb.Workspace) -> None:
    from workbench import plots

    data = plots.calibration_data(ws, bins=2)
    assert data.loc[data["mean_confidence"].idxmax(), "success_rate"] == pytest.approx(4 / 6)
    old = plots.calibration_data(ws, bins=2, silent=False)
    assert old.loc[old["mean_confidence"].idxmax(), "success_rate"] == pytest.approx(1.0)


def test_a_sweeps_calibration_counts_as_the_sweep(ws: wb.Workspace) -> None:
    old = wb.sweep_thresholds(ws, "confidence", silent=False).calibration(ws, n_bins=2)
    new = wb.sweep_thresholds(ws, "confidence").calibration(ws, n_bins=2)
    assert old.equals(wb.confidence_calibration(ws, n_bins=2, silent=False))
    assert new.equals(wb.confidence_calibration(ws, n_bins=2))
    assert not old.equals(new)


def test_unchanged_without_silent_failures() -> None:
    plain = _store(silent_runs=0)
    a = wb.confidence_calibration(plain, n_bins=2, strategy="uniform")
    b = wb.confidence_calibration(plain, n_bins=2, strategy="uniform", silent=False)
    assert a.equals(b) and list(a["success_rate"]) == pytest.approx([0.0, 1.0])


def test_investigate_reads_the_one_definition_of_failed(ws: wb.Workspace) -> None:
    from workbench import _failed, _flagged
    from workbench.store._outcomes import RUN_OUTCOMES_SQL

    # the failed runs investigate attributes are ws.runs(outcome="failure", silent=True), by one query text
    assert _failed.failed_run_ids(ws) == sorted(ws.runs(outcome="failure", silent=True)["run_id"])
    assert RUN_OUTCOMES_SQL.replace("$silent", "TRUE") in _failed.FAILED_SQL
    assert RUN_OUTCOMES_SQL.replace("$silent", "TRUE") in _flagged._SQL
    assert "UNION" not in _failed.FAILED_SQL

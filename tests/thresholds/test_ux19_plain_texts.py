"""What the tuning results say when printed: a SweepPoint's repr without 16-digit floats, ``report.meets()``
saying what it compared (was a bare True/False), and runs that name no system called so in suggest_limits'
messages (was a bare ``''``)."""

from __future__ import annotations

import re

import pytest

import workbench as wb
from workbench.policy import Breakers, Policy


def test_sweep_point_repr_is_short(sweep_ws) -> None:  # noqa: ANN001
    sw = wb.sweep_thresholds(sweep_ws, "entropy")
    text = repr(sw.best)
    assert text.startswith("SweepPoint(threshold=") and "escalation_rate=" in text, text
    assert not re.search(r"\d\.\d{5,}", text), text  # was escalation_rate=0.6666666666666666
    assert str(sw.best.escalated_runs) in text


def _store() -> wb.Workspace:
    records: list[dict] = []
    for r in range(12):
        run = f"r{r:02d}"
        records.append(
            {
                "record": "run",
                "run_id": run,
                "outcome": "failure" if r % 3 == 0 else "success",
                **({"system": "support"} if r % 2 else {}),
            }
        )
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "tool",
                "tool": "t",
                "latency_ms": 5000.0 if (r % 3 == 0 and i == 1) else 100.0 + r,
                "started_at": f"2026-03-01T10:{r:02d}:{i:02d}Z",
            }
            for i in range(3)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_meets_says_what_it_checked() -> None:
    ws = _store()
    report = wb.backtest(Policy(breakers=Breakers(max_step_latency_ms=1000.0)), ws)
    ok = report.meets(prevented=0.5, review_rate=0.1)
    assert ok and ok == True and bool(ok) is True  # noqa: E712 - still reads as a bool
    text = str(ok)
    assert text.startswith("meets: prevented 4 of 4 failures (100%; goal ≥ 50% ✓)"), text
    assert "goal ≥ 50%" in text and "review rate 0.0%" in text and "goal < 10%" in text, text
    short = report.meets(prevented=1.01)
    assert not short and short == False  # noqa: E712
    assert str(short).startswith("does not meet:") and "✗" in str(short), str(short)
    assert isinstance(ok, wb.Meets) and "Meets True" in repr(ok)


def test_runs_with_no_system_are_named_in_suggest_limits() -> None:
    ws = _store()
    limits = wb.suggest_limits(ws)
    with pytest.raises(wb.InvalidParameterError) as err:
        limits.to_policy()
    assert "'' (the runs with no system name)" in str(err.value) and "'support'" in str(err.value), err.value
    page = limits._repr_html_()
    assert "(no system name)" in page
    assert not re.search(r"<li>:", page) and "<td></td><td>max_" not in page.replace("\n", ""), page[:2000]
    assert limits.to_policy("").breakers.max_step_latency_ms is not None  # still addressed as ""

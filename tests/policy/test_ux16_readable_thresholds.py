"""Policy files carry thresholds a person can read (0.923, not 0.9234425533666009; 0.9, not a slider's
0.8999999999999999), and the file decides exactly what the tuned policy decided: its backtest, read back
from the written YAML, equals the backtest of the policy at the unrounded values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

import workbench as wb
from workbench.policy import HitlRule, Policy
from workbench.policy._model import hitl_name
from workbench.policy._propose import _best_limit

_NUMBER = re.compile(r"^\s*(?:threshold|max_\w+_ms): (-?[\d.]+(?:e[-+]?\d+)?)$", re.M)


def _digits(text: str) -> int:
    """Significant digits of a number as written."""
    return len(text.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0") if "e" not in text else 99


def _same_backtest(written: Policy, raw: Policy, ws: wb.Workspace) -> None:
    names = {hitl_name(a): hitl_name(b) for a, b in zip(raw.hitl, written.hitl, strict=True)}
    names.update({n: n for n, _ in raw.rules() if not n.startswith("hitl:")})
    got = wb.backtest(written, ws, steps=True)
    want = wb.backtest(raw, ws, steps=True)
    for col in ("rule", "cut_rule", "escalate_rule"):
        want.runs[col] = want.runs[col].map(lambda n: names.get(n, n) if isinstance(n, str) else n)
    want.steps["rule"] = want.steps["rule"].map(lambda n: names.get(n, n) if isinstance(n, str) else n)
    pd.testing.assert_frame_equal(got.runs, want.runs)
    pd.testing.assert_frame_equal(got.steps, want.steps)
    assert got.summary == want.summary


def test_sweep_policy_file_reads_short_and_backtests_the_same(sim_ws: wb.Workspace, tmp_path: Path) -> None:
    sweep = wb.sweep_thresholds(sim_ws, "entropy", per_agent=True, budget=0.3)
    tuned = sweep.best_per_agent.threshold
    assert isinstance(tuned, dict) and sum(t is not None for t in tuned.values()) >= 2, tuned
    raw = Policy(
        hitl=tuple(HitlRule("entropy", float(t), "above", a) for a, t in tuned.items() if t is not None)
    )
    assert max(_digits(repr(r.threshold)) for r in raw.hitl) > 6  # the sweep's own values are long
    path = tmp_path / "policy.yaml"
    sweep.to_policy().to_yaml(path)
    text = path.read_text()
    shown = _NUMBER.findall(text)
    assert len(shown) == len(raw.hitl) and all(_digits(v) <= 6 for v in shown), shown
    _same_backtest(Policy.from_yaml(path), raw, sim_ws)


def test_slider_float_step_written_as_its_short_value(sim_ws: wb.Workspace) -> None:
    sweep = wb.sweep_thresholds(sim_ws, "entropy")
    slider = sum([0.1] * 9)  # a FloatSlider's value after nine steps of 0.1
    assert slider == 0.8999999999999999
    assert not ((sweep._steps >= slider) & (sweep._steps < 0.9)).any()  # no step value between the two
    policy = sweep.to_policy(slider)
    assert "threshold: 0.9\n" in policy.to_yaml()
    assert policy.hitl[0].threshold == 0.9


def test_policy_from_findings_file_reads_short_and_backtests_the_same(
    sim_ws: wb.Workspace, tmp_path: Path
) -> None:
    policy = wb.policy_from_findings(sim_ws, review_budget=0.3)
    path = tmp_path / "proposed.yaml"
    policy.to_yaml(path)
    shown = _NUMBER.findall(path.read_text())
    assert shown and all(_digits(v) <= 6 for v in shown), shown
    _same_backtest(Policy.from_yaml(path), policy, sim_ws)


def test_breaker_limit_never_rounded_below_a_runs_peak() -> None:
    # A successful run peaked at 500.24449 ms: rounding the limit to 3 decimals (500.244) put that run
    # past its own limit, so the written policy cut a run the proposal meant to keep.
    succ, fail = np.array([500.24449, 120.0]), np.array([900.0, 1000.0, 950.5])
    limit = _best_limit(succ, fail, lost_weight=3.0, integer=False)
    assert limit >= 500.24449 and limit < 900.0, limit
    assert (succ > limit).sum() == 0 and (fail > limit).sum() == 3
    assert _digits(repr(limit)) <= 4, limit

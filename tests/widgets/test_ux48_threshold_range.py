"""A HITL threshold a rule on its signal cannot hold: a confidence outside [0, 1], a negative entropy. "confidence <=
1.5" sends every step to a human and "<= -0.5" none; the policy file took either (the schema set no bound), the
sweep's ``at`` / ``to_policy`` priced and wrote them, the tuner's slider padded one value a tenth either side (one
run's confidence 0.99: a slider to 1.08) and showed its no-review point as "confidence <= -0.002". Each is refused
now, naming the parameter (the file and key) and the range; the sliders stay within it."""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main
from workbench.exceptions import InvalidParameterError, PolicyError
from workbench.policy import HitlRule, Policy
from workbench.widgets import ThresholdTuner
from workbench.widgets._review_load import ReviewLoadView


@pytest.mark.parametrize(
    "signal,threshold,direction,effect",
    [
        ("confidence", 1.5, "", "every step"),
        ("confidence", -0.5, "", "no step"),
        ("confidence", 2, "above", "no step"),
        ("entropy", -0.1, "", "every step"),
    ],
)
def test_a_policy_file_with_a_threshold_out_of_range_is_refused_naming_file_and_key(
    tmp_path: Path, signal: str, threshold: float, direction: str, effect: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        f"schema: workbench.policy/v4\nhitl:\n- {{signal: entropy, threshold: 0.5}}\n"
        f"- {{signal: {signal}, threshold: {threshold}, direction: '{direction}'}}\n",
        "utf-8",
    )
    with pytest.raises(PolicyError) as err:
        Policy.from_yaml(path)
    said = str(err.value)
    assert said.startswith(f"{path}: hitl[1].threshold: a threshold on {signal} must be "), said
    assert ("in [0, 1]" if signal == "confidence" else "0 or more") in said and effect in said, said
    with pytest.raises(PolicyError, match=r"policy: hitl\[0\]\.threshold: .*in \[0, 1\]"):
        Policy(hitl=(HitlRule("confidence", 1.01),))
    # the ends themselves are thresholds (<= 1 escalates every step on purpose; >= 0 every step with an entropy)
    assert [r.threshold for r in Policy(hitl=(HitlRule("confidence", 1), HitlRule("entropy", 0.0))).hitl] == [
        1,
        0,
    ]


def test_the_cli_refuses_the_file_before_reading_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("schema: workbench.policy/v4\nhitl: [{signal: confidence, threshold: -0.5}]\n", "utf-8")
    assert main(["policy", "backtest", str(path), str(tmp_path / "no-such-log.jsonl"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: hitl[0].threshold: a threshold on confidence must be in [0, 1]" in err, err


def _store(confidences: list[float]) -> wb.Workspace:
    """12 runs of two steps, one in 3 failed; step ``i`` of run ``r`` has ``confidences[(r + i) % len]``."""
    records = []
    for r in range(12):
        records.append(
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "s",
                "outcome": "failure" if r % 3 == 0 else "success",
            }
        )
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "llm",
                "confidence": confidences[(r + i) % len(confidences)],
                "entropy": 0.0,
            }
            for i in range(2)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_the_sweep_refuses_a_threshold_out_of_range() -> None:
    ws = _store([0.2, 0.7, 0.9])
    sweep = wb.sweep_thresholds(ws, "confidence")
    for bad in (1.5, -0.5):
        for call in (sweep.at, sweep.escalated, sweep.to_policy):
            with pytest.raises(
                InvalidParameterError, match=r"^threshold: a threshold on confidence must be in \[0, 1\]"
            ):
                call(bad)
    assert sweep.at(1.0).escalation_rate == 1.0
    with pytest.raises(InvalidParameterError, match="threshold: a threshold on entropy must be 0 or more"):
        wb.sweep_thresholds(ws, "entropy").at(-1.0)
    with pytest.raises(InvalidParameterError, match="threshold: a threshold on entropy must be 0 or more"):
        wb.review_load(ws, "entropy").at(-1.0)


def test_the_tuners_sliders_stay_within_the_signals_range(tmp_path: Path) -> None:
    # one confidence value: the grid padded it a tenth either side, to 1.08
    tu = ThresholdTuner(_store([0.99]), signal="confidence")
    assert 0.0 <= tu.threshold.min < 0.99 < tu.threshold.max <= 1.0, (tu.threshold.min, tu.threshold.max)
    # every entropy 0, over runs of any outcome (the review-load view): its slider went down to -0.9
    rv = ReviewLoadView(_store([0.5]), ["entropy"], "entropy", str(tmp_path / "r.yaml"))
    assert rv.threshold.min >= 0.0 and rv.export_policy().hitl[0].threshold >= 0.0, rv.threshold.min
    # a confidence of 0 and no rule paying (a review costs what a missed failure does): the no-review point lies
    # past 0, where no rule can be; the readout says "no rule", not "confidence <= -0.002", and nothing is written
    tu = ThresholdTuner(_store([0.0, 0.4, 0.8]), signal="confidence", cost_review=1, cost_failure=1)
    assert tu.no_rule and tu.current_threshold() is None
    assert tu.readout.value.startswith(
        "<div style='font-size:14px'>With no rule (the slider past every value): "
        "escalation rate <b class='wb-escalation-rate'>0.0%</b>"
    ), tu.readout.value
    assert "past every value, at its end, where <b>no run is sent" in tu.advice.value, tu.advice.value
    assert "-0.0" not in tu.readout.value + tu.advice.value
    assert tu.export_policy(tmp_path / "p.yaml").hitl == ()

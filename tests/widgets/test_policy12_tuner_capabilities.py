"""The tuner says what the logs do not let it tune (and what to do instead) on real-shaped stores."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.widgets import ThresholdTuner


def _store(outcome: str) -> wb.Workspace:
    records: list[dict] = []
    for r in range(4):
        records.append({"record": "run", "run_id": f"r{r}", "outcome": outcome})
        for i in range(r + 2):
            records.append(
                {
                    "run_id": f"r{r}",
                    "step_id": f"t{i}",
                    "agent": "coder",
                    "kind": "tool",
                    "tool": "python",
                    "output": f"out {i}",
                }
            )
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_tuner_on_failures_without_logprobs_says_what_it_cannot_tune() -> None:
    tu = ThresholdTuner(_store("failure"))
    panel = tu.capabilities.value
    assert "What these logs do not let you tune" in panel
    assert "HITL on confidence" in panel and "no token log-probabilities" in panel
    # (ux47: said once for both, not the same 40 words twice)
    assert "HITL on confidence or entropy</b>" in panel and panel.count("no token log-probabilities") == 1, (
        panel
    )
    assert "false escalations cannot be counted" in panel and "wb.suggest_limits(ws)" in panel
    assert tu.capabilities in tu.children and tu.signal.value == "tool_calls"


def test_tuner_on_a_complete_store_shows_no_panel(sweep_ws_tuner) -> None:
    assert ThresholdTuner(sweep_ws_tuner, signal="entropy").capabilities.value == ""


def test_tuner_without_outcomes_points_to_what_can_be_done() -> None:
    # a panel, not an exception (ux13): what is missing, how to add it, and what can be done instead
    tu = ThresholdTuner(_store("unknown"))
    assert "ws.label_file(" in tu.missing.value and "wb.suggest_limits(ws)" in tu.capabilities.value
    assert tu.review is not None and tu.signal.value == "tool_calls"


@pytest.fixture(scope="module")
def sweep_ws_tuner() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=3, fault_rate=0.4).generate(60), progress=False)
    return ws

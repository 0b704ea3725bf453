"""what_can_be_tuned: a store of real-shaped logs (no log-probabilities, no successful run, no times)
says at once what it cannot tune, why, and what to do instead."""

from __future__ import annotations

import workbench as wb


def _incidents(outcome: str = "failure", culprit: bool = True) -> wb.Workspace:
    """Who&When-shaped runs: agent turns and a tool call, no times, no log-probabilities."""
    records: list[dict] = []
    for r in range(3):
        run = f"inc{r}"
        records.append({"record": "run", "run_id": run, "system": "chat", "outcome": outcome})
        for i, (agent, kind) in enumerate([("planner", "agent"), ("coder", "tool"), ("planner", "agent")]):
            records.append(
                {
                    "run_id": run,
                    "step_id": f"t{i}",
                    "agent": agent,
                    "kind": kind,
                    "tool": "python" if kind == "tool" else None,
                    "output": f"turn {i}",
                }
            )
        if culprit and outcome == "failure":
            records.append(
                {"record": "label", "run_id": run, "agent": "coder", "step_id": "t1", "kind": "bug"}
            )
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_all_failed_runs_without_logprobs() -> None:
    t = wb.what_can_be_tuned(_incidents()).set_index("what")
    assert (
        not t.loc["HITL on confidence", "tunable"]
        and "no token log-probabilities" in t.loc["HITL on confidence", "why"]
    )
    assert "no stand-in" in t.loc["HITL on entropy", "instead"]
    assert (
        not t.loc["HITL on latency_ms", "tunable"]
        and t.loc["HITL on latency_ms", "why"] == "no step carries it"
    )
    assert t.loc["HITL on tool_calls", "tunable"]
    price = t.loc["pricing a threshold (review load against failures caught)"]
    assert not price["tunable"] and "false escalations cannot be counted" in price["why"]
    assert "label some successful runs" in price["instead"]
    assert t.loc["catching failures in time (before the culprit step)", "why"].startswith(
        "3 of 3 failed runs"
    )
    assert "wb.suggest_limits" in t.loc["breaker, budget and loop limits", "instead"]


def test_unknown_outcomes_point_to_labels_and_limits() -> None:
    t = wb.what_can_be_tuned(_incidents("unknown")).set_index("what")
    assert not t["tunable"].iloc[:-1].any()
    assert (
        "no run has a known outcome (3 unknown)"
        in t.loc["pricing a threshold (review load against failures caught)", "why"]
    )
    assert t.loc["breaker, budget and loop limits", "tunable"]


def test_a_complete_store_can_tune_everything(sweep_ws) -> None:
    t = wb.what_can_be_tuned(sweep_ws)
    assert t["tunable"].all(), t[~t["tunable"]]
    assert "policy_from_findings" in t.set_index("what").loc["breaker, budget and loop limits", "instead"]


def test_a_sweep_on_a_missing_signal_points_to_the_table() -> None:
    import pytest

    with pytest.raises(wb.InvalidParameterError, match=r"wb\.what_can_be_tuned\(ws\)"):
        wb.sweep_thresholds(_incidents(), "confidence")
    with pytest.raises(wb.InvalidParameterError, match=r"wb\.suggest_limits\(ws\)"):
        wb.sweep_thresholds(_incidents("unknown"), "tool_calls")

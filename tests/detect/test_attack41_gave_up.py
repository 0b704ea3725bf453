"""gave_up's false alarms (attack41, on detect40's detector; the made-up-value case mended by fix42's result clauses).

gave_up says a run's answer gave up after a tool call failed and nothing made it again with success. Three runs
where that sentence is false:
- the answer gave a result, a made-up one ("Sorry for the delay, the total is 41.20 USD."; "You can't go wrong: the
  widget costs 41.20 USD."): silent_failure says so; gave_up adds a critical "the answer gave up" that ranks with it;
- the tool's result says ``"error": "None"`` (Python's ``str(None)``, a field for an error that did not happen):
  read as a failed call;
- the call failed, then another agent (a fallback) made the same call with success: gave_up takes only the same
  agent's call as a recovery.
"""

from __future__ import annotations

import warnings

import pytest
from _runs import RunBuilder, S, _ws
from test_detect40_gave_up import _run

import workbench as wb


def _fallback(run_id: str, answer: str) -> RunBuilder:
    """detect40's run (researcher's get_price failed, the answer), then a fallback agent's get_price with success."""
    r = _run(run_id, answer=answer)
    r.add(kind="agent", name="fallback", agent="fallback", latency=2 * S)
    r.add(
        kind="tool",
        name="get_price",
        tool="get_price",
        agent="fallback",
        input='{"item": "widget"}',
        output='{"item": "widget", "price": 14.2}',
    )
    return r


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    runs = [
        _run("delay_made_up", answer="Sorry for the delay, the total is 41.20 USD.", outcome="success"),
        _run("cant_go_wrong", answer="You can't go wrong: the widget costs 41.20 USD.", outcome="success"),
        _run(
            "error_none",
            answer="Sorry, widgets are not sold in blue.",
            tool_status="ok",
            tool_error=None,
            tool_output='{"item": "widget", "price": 14.2, "error": "None"}',
        ),
        _fallback("fallback_fixed", "Sorry for the wait: we cannot ship widgets to you."),
        _run(
            "gave_up", answer="Sorry, I could not get the widget's price."
        ),  # a give-up, as a check of the store
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        findings = wb.detect(_ws(*runs), progress=False)
    return {r.run_id: sorted(findings[findings["run_id"] == r.run_id]["detector"]) for r in runs}


def test_the_store_is_read_as_the_detector_expects(found: dict[str, list[str]]) -> None:
    # (passes on main: the made-up numbers are silent failures, the plain give-up is found)
    assert "silent_failure" in found["delay_made_up"] and "silent_failure" in found["cant_go_wrong"]
    assert found["gave_up"] == ["gave_up"]


@pytest.mark.parametrize("run_id", ["delay_made_up", "cant_go_wrong"])
def test_an_answer_stating_a_made_up_value_did_not_give_up(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" not in found[run_id]


def test_an_error_field_saying_none_is_no_failed_call(found: dict[str, list[str]]) -> None:
    assert "gave_up" not in found["error_none"]


def test_a_call_another_agent_made_again_with_success_was_recovered(found: dict[str, list[str]]) -> None:
    assert "gave_up" not in found["fallback_fixed"]

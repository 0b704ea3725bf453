"""gave_up's three exits (fix41) kept narrow: the give-ups they must not lose.

A number in the answer counts as a result only when the run was not given it: a give-up naming the task's order
number or the failure's status code still gave up. An "error" field saying there was none is no failure, one
stating an error still is.
"""

from __future__ import annotations

import warnings

import pytest
from _runs import _ws
from test_detect40_gave_up import _run

import workbench as wb


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    task_number = _run("task_number", answer="Sorry, I could not get the price of order 88412.")
    task_number.records[0]["task"] = "Quote me a widget for order 88412."
    runs = [
        task_number,
        _run(
            "error_number",
            tool_error="HTTP 503 from the price service",
            answer="Sorry, the price service answered 503; please try again later.",
        ),
        _run(
            "error_stated",
            tool_status="ok",
            tool_error=None,
            answer="Sorry, I could not get the widget's price.",
            tool_output='{"item": "widget", "error": "connection refused"}',
        ),
        _run(
            "error_null",
            tool_status="ok",
            tool_error=None,
            answer="Sorry, widgets are not sold in blue.",
            tool_output='{"item": "widget", "price": 14.2, "error": "null"}',
        ),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        findings = wb.detect(_ws(*runs), progress=False)
    return {r.run_id: sorted(findings[findings["run_id"] == r.run_id]["detector"]) for r in runs}


@pytest.mark.parametrize("run_id", ["task_number", "error_number", "error_stated"])
def test_a_give_up_stating_only_what_it_was_given_or_told_still_gave_up(
    found: dict[str, list[str]], run_id: str
) -> None:
    assert "gave_up" in found[run_id]


def test_an_error_field_saying_null_is_no_failure(found: dict[str, list[str]]) -> None:
    assert "gave_up" not in found["error_null"]

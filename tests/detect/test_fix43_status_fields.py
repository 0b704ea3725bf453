"""A tool result is a failed call when any of its status fields says so, not only the first one present (fix43):
``{"status": "ok", "response_status": "Error"}`` (the transport fine, the call not) read "ok" through one
coalesce of ``status``, ``response_status`` and ``state``, so the apology after it was no give-up."""

from __future__ import annotations

import warnings

import pytest
from _runs import _ws
from test_detect40_gave_up import _run

import workbench as wb

ANSWER = "Sorry, I could not get the widget's price."
OUTPUTS = {
    "ok_then_error": '{"status": "ok", "response_status": "Error", "message": "ERROR: No data found"}',
    "ok_state_failed": '{"status": "OK", "state": " failed ", "detail": "quota"}',
    "done_but_fail": '{"response_status": "200", "state": "done", "status": "fail"}',
    "all_fine": '{"status": "ok", "response_status": "Success", "state": "done", "item": "widget"}',
    "ok_more": '{"status": "ok", "response_status": "error_free", "state": "partial"}',
}


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    runs = [_run(name, tool_status="ok", tool_error=None, answer=ANSWER, tool_output=out)
            for name, out in OUTPUTS.items()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        findings = wb.detect(_ws(*runs), progress=False)
    return {r.run_id: sorted(findings[findings["run_id"] == r.run_id]["detector"]) for r in runs}


@pytest.mark.parametrize("run_id", ["ok_then_error", "ok_state_failed", "done_but_fail"])
def test_any_status_field_saying_failed_is_a_failed_call(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" in found[run_id]


@pytest.mark.parametrize("run_id", ["all_fine", "ok_more"])
def test_status_fields_saying_anything_else_are_not(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" not in found[run_id]

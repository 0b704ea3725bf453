"""A tool result whose own status field says it failed is a failed call (wild42's C# agent in Langfuse's
samples: ``{"response_status": "Error", "message": ...}``; JSend's ``{"status": "error"}``), so an answer
that then apologises gave up. A status that says more than the failure word, or success, is no failure."""

from __future__ import annotations

import warnings

import pytest
from _runs import _ws
from test_detect40_gave_up import _run

import workbench as wb

ANSWER = "Sorry, I could not get the widget's price."


@pytest.fixture(scope="module")
def found() -> dict[str, list[str]]:
    outputs = {
        "response_status": '{"response_status": "Error", "message": "ERROR: No data found"}',
        "jsend": '{"status": "error", "message": "upstream timeout"}',
        "state_failed": '{"state": "FAILED", "detail": "quota"}',
        "status_ok": '{"status": "ok", "item": "widget"}',
        "status_more": '{"status": "error_free", "item": "widget"}',
    }
    runs = [
        _run(name, tool_status="ok", tool_error=None, answer=ANSWER, tool_output=out)
        for name, out in outputs.items()
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        findings = wb.detect(_ws(*runs), progress=False)
    return {r.run_id: sorted(findings[findings["run_id"] == r.run_id]["detector"]) for r in runs}


@pytest.mark.parametrize("run_id", ["response_status", "jsend", "state_failed"])
def test_a_status_saying_failed_is_a_failed_call(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" in found[run_id]


@pytest.mark.parametrize("run_id", ["status_ok", "status_more"])
def test_a_status_saying_anything_else_is_not(found: dict[str, list[str]], run_id: str) -> None:
    assert "gave_up" not in found[run_id]

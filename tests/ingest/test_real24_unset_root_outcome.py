"""Runs whose root span never gets an OK status, read as succeeded when the framework says so otherwise (real24).

* Microsoft Agent Framework (``fixtures/agent-framework/handoff_fault.otlp.jsonl``, agent-framework-core 1.23):
  ``workflow.run`` ends with the event ``workflow.completed`` when the workflow ran to the end
  (``_workflows/_workflow.py``: the last act of the run's ``try``; on an exception it adds ``workflow.error``
  and sets an ERROR status). Its status stays unset: the run was ``unknown``.
* Pydantic AI (``fixtures/pydantic-ai/two_runs_ok.otlp.jsonl``, pydantic-ai-slim 2.68, no application span:
  planner and writer each a trace): the agent run span gets ``final_result`` once the run returned
  (``capabilities/instrumentation.py``, with content capture), an ERROR status when it raised. Both runs were
  ``unknown``.

What the run's answer says is another matter: a completed run can still be taken as failed (investigate's
silent failures); only the stored outcome is read here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _otlp_edits import edited_copy
from _variants import variants_file

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURES = Path(__file__).parent / "fixtures"
MAF = FIXTURES / "agent-framework" / "handoff_fault.otlp.jsonl"
PAI = FIXTURES / "pydantic-ai" / "two_runs_ok.otlp.jsonl"


def _outcomes(monkeypatch: pytest.MonkeyPatch, fast: bool | None, path: Path) -> list[tuple[str, str]]:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    rep = ws.ingest(path, progress=False)
    assert rep.quarantined == 0, rep.errors
    return ws.sql("SELECT outcome, outcome_source FROM runs ORDER BY ALL").fetchall()


# (the chosen reader: both store the same rows for every checked-in fixture, test_reader24_agreement.py)
def test_completed_workflow_and_returned_agent_runs_succeeded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _outcomes(monkeypatch, None, MAF) == [("success", "root_status")]  # old code: unknown
    assert _outcomes(monkeypatch, None, PAI) == [("success", "root_status")] * 2  # old code: unknown


def _workflow_events(names: list[str], status: dict | None = None):
    def edit(sp: dict) -> None:
        if sp["name"] == "workflow.run":
            sp["events"] = [{"timeUnixNano": sp["endTimeUnixNano"], "name": n} for n in names]
            if status is not None:
                sp["status"] = status

    return edit


# (events of workflow.run, its status, the run's outcome)
WORKFLOW_CASES = {
    "cancelled": (["workflow.started"], None, "unknown"),  # neither event, no status
    # says both: not taken as ok; the exception it records is the workflow span's error (real36: a span that
    # records an exception with no error status is in error), so its run failed
    "completed and raised": (["workflow.started", "workflow.completed", "exception"], None, "failure"),
    "error": (
        ["workflow.started", "workflow.error"],
        {"code": "STATUS_CODE_ERROR", "message": "ValueError('x')"},
        "failure",
    ),
}


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_a_workflow_that_did_not_say_it_completed_is_not_a_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    """(Each case a copy of the trace with its own trace id, all read in one call: _variants.variants_file.)"""
    path = tmp_path / MAF.name
    ids = variants_file(
        path, MAF, {case: _workflow_events(e, s) for case, (e, s, _) in WORKFLOW_CASES.items()}
    )
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    assert ws.ingest(path, progress=False).quarantined == 0
    outcomes = dict(ws.sql("SELECT run_id, outcome FROM runs").fetchall())
    assert {case: [outcomes.get(r) for r in ids[case]] for case in WORKFLOW_CASES} == {
        case: [want] for case, (_, _, want) in WORKFLOW_CASES.items()
    }


def test_a_failed_build_keeps_the_run_from_success(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ``workflow.build`` trace joins the run (both roots): its ``build.error`` is no success."""

    def span(sid: str, parent: str | None, name: str, attrs: dict, events: list[str]) -> dict:
        sp = {
            "traceId": "ef" * 16,
            "spanId": sid,
            "name": name,
            "kind": 1,
            "startTimeUnixNano": "1796183900000000000",
            "endTimeUnixNano": "1796183900500000000",
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
            "events": [{"timeUnixNano": "1796183900400000000", "name": e} for e in events],
            "status": {},
        }
        if parent:
            sp["parentSpanId"] = parent
        return sp

    for build_events, want in [
        (["build.started", "build.completed"], "success"),
        (["build.started", "build.error"], "unknown"),
    ]:
        spans = [
            span(
                "01" * 8,
                None,
                "workflow.build",
                {"workflow_builder.name": "desk", "workflow.id": "w1"},
                build_events,
            ),
            span(
                "02" * 8,
                None,
                "workflow.run",
                {"workflow.name": "desk", "workflow.id": "w1"},
                ["workflow.started", "workflow.completed"],
            ),
            span(
                "03" * 8,
                "02" * 8,
                "invoke_agent planner",
                {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner"},
                [],
            ),
        ]
        path = tmp_path / "maf.otlp.json"
        path.write_text(
            json.dumps(
                {
                    "resourceSpans": [
                        {
                            "resource": {"attributes": []},
                            "scopeSpans": [{"scope": {"name": "agent_framework"}, "spans": spans}],
                        }
                    ]
                }
            )
        )
        assert [o for o, _ in _outcomes(monkeypatch, False, path)] == [want], build_events


def test_an_agent_run_traced_without_content_stays_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without content capture Pydantic AI writes no ``final_result``; its run is then read by its last model
    call's finish reason (test_real34_finished_runs). With neither, a run that returned and one cut short look
    alike, so neither is called a success."""

    def edit(sp: dict) -> None:
        sp["attributes"] = [
            a for a in sp["attributes"] if a["key"] not in ("final_result", "gen_ai.response.finish_reasons")
        ]

    path = edited_copy(tmp_path, edit, PAI)
    assert _outcomes(monkeypatch, True, path) == [("unknown", "none")] * 2

"""A run read a success only from what was stored whole (attack35).

real34's rule reads an unset GenAI workflow root as a success when its run ended on a model call that stopped and
"no step is in error". Two ways a failed run (a tool failed, the model apologised and stopped) passed that rule:
the failed tool span's status gave the error text without the error code (stored as ``unset`` with its error), or
the reader refused the span (a status code written ``StatusCode.ERROR``, Python's own spelling) and the rest of the
run, stored, said nothing failed. Both read ``success``, which the threshold tuner and the policy trust; both now
read ``unknown``. The refused span's quarantine row names the run as its steps do (a base64 trace id was kept as
written, naming no stored run).

Likewise the blind OK of the openai-agents instrumentations (the root ended OK however the run ended; failed when
the last agent to start is in error): the crashed run read ``success`` when that agent's span was refused, or gave
its error without the code. Now ``unknown`` and ``failure``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from _otlp_edits import edited_copy
from _variants import variants_file

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"
TOOL_ERROR = FIXTURES / "otel-genai-openai-agents" / "tool_error.otlp.jsonl"
OI_CRASH = FIXTURES / "openai-agents" / "openinference_tool_crash.otlp.jsonl"


def _status(code: str | None) -> Callable[[dict], None]:
    def edit(span: dict) -> None:
        if span.get("status", {}).get("code") == "STATUS_CODE_ERROR":
            span["status"] = {"message": "format_quote failed"} | ({"code": code} if code else {})
            span["attributes"] = [a for a in span["attributes"] if a["key"] != "error.type"]

    return edit


def test_an_error_text_without_the_error_code_or_a_refused_failed_span_is_no_success(tmp_path: Path) -> None:
    """(As written, with the code, the run reads ``unknown``: test_real33_otel_genai_openai_agents.) Each edit a
    copy of the trace, its own run, in one call."""
    path = tmp_path / "tool_error.otlp.jsonl"
    ids = variants_file(path, TOOL_ERROR, {"no-code": _status(None), "refused": _status("StatusCode.ERROR")})
    (no_code,), (refused,) = ids["no-code"], ids["refused"]
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (22, 21, 1)
    assert ws.sql(
        "SELECT status, error FROM steps WHERE tool = 'format_quote' AND run_id = ?", [no_code]
    ).fetchall() == [("unset", "format_quote failed")]
    assert ws.sql("SELECT run_id, outcome FROM runs ORDER BY run_id").fetchall() == sorted(
        [(no_code, "unknown"), (refused, "unknown")]
    )
    # the quarantine row names the run and step as the store spells them (hex), not as the file did (base64)
    assert ws.sql("SELECT q.run_id, q.step_id FROM quarantine q JOIN runs r USING (run_id)").fetchall() == [
        (refused, "fa19a6f36a6a9023")
    ]


def test_the_refused_span_in_a_later_call_reads_as_in_the_same_call(tmp_path: Path) -> None:
    """The run's other spans stored first (a success then), its refused span in a later call: as in one call."""
    lines = edited_copy(tmp_path, _status("StatusCode.ERROR"), TOOL_ERROR).read_text().splitlines()
    (tmp_path / "rest.otlp.jsonl").write_text(
        "\n".join(x for x in lines if "StatusCode.ERROR" not in x) + "\n"
    )
    (tmp_path / "refused.otlp.jsonl").write_text(
        "\n".join(x for x in lines if "StatusCode.ERROR" in x) + "\n"
    )
    ws = wb.open()
    ws.ingest(tmp_path / "rest.otlp.jsonl", progress=False)
    report = ws.ingest(tmp_path / "refused.otlp.jsonl", progress=False)
    assert (report.quarantined, report.runs) == (1, 1)
    assert ws.sql("SELECT outcome FROM runs").fetchall() == [("unknown",)]
    assert ws.ingest(tmp_path / "refused.otlp.jsonl", progress=False).runs == 0  # again: nothing new


def _writer(status: dict) -> Callable[[dict], None]:
    """The crashed writer agent's span (the run's last agent, in error) given ``status``, its error.type gone."""

    def edit(span: dict) -> None:
        if span["name"] == "writer":
            span["status"] = status
            span["attributes"] = [a for a in span["attributes"] if a["key"] != "error.type"]

    return edit


def test_a_blind_ok_says_nothing_of_a_last_agent_not_read_whole(tmp_path: Path) -> None:
    # (the refused and the code-less status as two copies of the trace, each its own run, in one call)
    cases = {
        "refused": ({"code": "StatusCode.ERROR", "message": "Error in agent run"}, "unknown"),
        "no-code": ({"message": "Error in agent run"}, "failure"),
    }
    path = tmp_path / "crash.otlp.jsonl"
    ids = variants_file(path, OI_CRASH, {name: _writer(status) for name, (status, _) in cases.items()})
    ws = wb.open()
    ws.ingest(path, progress=False)
    outcomes = dict(ws.sql("SELECT run_id, outcome FROM runs").fetchall())
    for name, (_, outcome) in cases.items():
        assert [outcomes[run] for run in ids[name]] == [outcome], name

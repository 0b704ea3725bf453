"""The root cause of a chained exception whose message runs over several lines or carries a note (attack18).

``_exception_cause.root_cause`` took the innermost traceback's last unindented line as its exception. Python
prints a message of several lines as written (pydantic's ValidationError: the field's name on the next line,
its error indented) and an exception's notes (``add_note``, 3.11) after it: a tool's validation error wrapped
by the framework read "Tool Error" with no cause, a timeout with a note "Tool Error (caused by retried 3
times)". The tracebacks here are Python's own (``traceback.format_exception``)."""

from __future__ import annotations

import json
import traceback
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "9683a193529026e5fe2029fec6cb69ff"


class ToolError(Exception):
    pass


def _wrapped(inner: Exception) -> str:
    try:
        try:
            raise inner
        except Exception as exc:
            raise ToolError("Tool Error") from exc
    except ToolError as outer:
        return "".join(traceback.format_exception(outer))


def _noted() -> Exception:
    exc = TimeoutError("price service timed out")
    exc.add_note("retried 3 times")
    return exc


CASES = {
    "a1": (
        ValueError(
            "1 validation error for GetPriceArgs\nsku\n  Field required [type=missing, input_value={}]"
        ),
        "Tool Error (caused by ValueError: 1 validation error for GetPriceArgs)",
    ),
    "a2": (_noted(), "Tool Error (caused by TimeoutError: price service timed out)"),
    "a3": (KeyError("sku"), "Tool Error (caused by KeyError: 'sku')"),
}


def _tool(sid: str, stack: str, start: int) -> dict:
    attrs = {"openinference.span.kind": "TOOL", "tool.name": "get_price", "input.value": '{"sku": "A"}'}
    return {
        "traceId": TRACE,
        "spanId": "00000000000000" + sid,
        "parentSpanId": "0000000000000001",
        "name": "get_price",
        "startTimeUnixNano": str(1796171410237029120 + start),
        "endTimeUnixNano": str(1796171410238348032 + start),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {"code": "STATUS_CODE_ERROR"},
        "events": [
            {
                "timeUnixNano": str(1796171410533555910 + start),
                "name": "exception",
                "attributes": [
                    {"key": "exception.type", "value": {"stringValue": "ToolError"}},
                    {"key": "exception.message", "value": {"stringValue": "Tool Error"}},
                    {"key": "exception.stacktrace", "value": {"stringValue": stack}},
                ],
            }
        ],
    }


@pytest.mark.parametrize("fast", [True, False], ids=["sql", "python"])
def test_root_cause_of_a_message_of_several_lines_or_with_a_note(
    fast: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    root = {
        "traceId": TRACE,
        "spanId": "0000000000000001",
        "name": "researcher",
        "startTimeUnixNano": "1796171407858208000",
        "endTimeUnixNano": "1796171410402435072",
        "attributes": [{"key": "openinference.span.kind", "value": {"stringValue": "AGENT"}}],
        "status": {"code": "STATUS_CODE_OK"},
    }
    spans = [root] + [_tool(sid, _wrapped(exc), i) for i, (sid, (exc, _)) in enumerate(CASES.items())]
    path = tmp_path / "chained.otlp.jsonl"
    path.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "resource": {"attributes": []},
                        "scopeSpans": [
                            {"scope": {"name": "openinference.instrumentation.beeai"}, "spans": spans}
                        ],
                    }
                ]
            }
        )
        + "\n",
        encoding="utf-8",
    )
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 4, 0)
    errors = dict(ws.sql("SELECT right(step_id, 2), error FROM steps WHERE status = 'error'").fetchall())
    assert errors == {sid: want for sid, (_, want) in CASES.items()}

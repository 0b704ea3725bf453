"""A failed span's error names the root cause of a chained exception (real17), as BeeAI writes it.

openinference-instrumentation-beeai 0.1.30 on beeai-framework 0.1.85 (real16,
/work/wt/_notes/real16_out/beeai/beeai_quote.otlp.jsonl): the failed ``get_price`` span has status ERROR with no
message, and one ``exception`` event whose ``exception.message`` is the wrapper's "Tool Error"; the tool's own
``TimeoutError: price service timed out`` is only in ``exception.stacktrace`` (``raise ToolError(...) from e``).
Before, the step's error was "Tool Error"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

TRACE = "9683a193529026e5fe2029fec6cb69ff"
CHAINED = """Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/beeai_framework/tools/tool.py", line 317, in _run
    result = fn(**tool_input_dict)
             ^^^^^^^^^^^^^^^^^^^^^
  File "/app/quote.py", line 66, in get_price
    raise TimeoutError("price service timed out")
TimeoutError: price service timed out

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/beeai_framework/tools/tool.py", line 195, in handler
    raise err
beeai_framework.tools.errors.ToolError: Tool Error
"""
HANDLING = """Traceback (most recent call last):
  File "/app/db.py", line 3, in fetch
    raise KeyError('widget')
KeyError: 'widget'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/db.py", line 5, in fetch
    raise LookupFailed("lookup failed")
app.LookupFailed: lookup failed
"""
SINGLE = """Traceback (most recent call last):
  File "/app/quote.py", line 66, in get_price
    raise TimeoutError("price service timed out")
TimeoutError: price service timed out
"""


def _tool(sid: str, message: str, stack: str, start: int) -> dict:
    attrs = {
        "openinference.span.kind": "TOOL",
        "tool.name": "get_price",
        "input.value": '{"input": {"item": "widget"}, "options": null}',
        "input.mime_type": "application/json",
        "output.value": "ToolError(beeai_framework.tools.errors): Tool Error",
    }
    return {
        "traceId": TRACE,
        "spanId": sid,
        "parentSpanId": "0000000000000001",
        "name": "get_price",
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": str(1796171410237029120 + start),
        "endTimeUnixNano": str(1796171410238348032 + start),
        "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in attrs.items()],
        "status": {"code": "STATUS_CODE_ERROR"},
        "events": [
            {
                "timeUnixNano": str(1796171410533555910 + start),
                "name": "exception",
                "attributes": [
                    {
                        "key": "exception.type",
                        "value": {"stringValue": "beeai_framework.tools.errors.ToolError"},
                    },
                    {"key": "exception.message", "value": {"stringValue": message}},
                    {"key": "exception.stacktrace", "value": {"stringValue": stack}},
                    {"key": "exception.escaped", "value": {"stringValue": "False"}},
                ],
            }
        ],
    }


def trace() -> dict:
    root = {
        "traceId": TRACE,
        "spanId": "0000000000000001",
        "name": "researcher",
        "kind": "SPAN_KIND_INTERNAL",
        "startTimeUnixNano": "1796171407858208000",
        "endTimeUnixNano": "1796171410402435072",
        "attributes": [
            {"key": "openinference.span.kind", "value": {"stringValue": "AGENT"}},
            {"key": "agent.name", "value": {"stringValue": "researcher"}},
        ],
        "status": {"code": "STATUS_CODE_OK"},
    }
    spans = [
        root,
        _tool("00000000000000a1", "Tool Error", CHAINED, 1),
        _tool("00000000000000a2", "lookup failed", HANDLING, 2),
        _tool("00000000000000a3", "Tool Error", SINGLE, 3),
        _tool("00000000000000a4", "get_price failed: price service timed out", CHAINED, 4),
    ]
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "scope": {"name": "openinference.instrumentation.beeai", "version": "0.1.30"},
                        "spans": spans,
                    }
                ],
            }
        ]
    }


# (the chosen reader: both store the same rows for the file, compared by tests/ingest/conftest.py)
def test_chained_exception_error_names_its_root_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", None)
    path = tmp_path / "beeai.otlp.jsonl"
    path.write_text(json.dumps(trace()) + "\n")
    ws = wb.open()
    rep = ws.ingest(path)
    assert (rep.read, rep.stored, rep.quarantined) == (5, 5, 0)
    err = dict(ws.sql("SELECT right(step_id, 2), error FROM steps WHERE status = 'error'").fetchall())
    assert err == {
        "a1": "Tool Error (caused by TimeoutError: price service timed out)",
        "a2": "lookup failed (caused by KeyError: 'widget')",
        "a3": "Tool Error",  # no chain: the message as written
        "a4": "get_price failed: price service timed out",  # the message already says the cause
    }

"""attack50: a deeply nested output blinds the live guard on Haystack's spans; the store reads the same spans whole.

``_guard_span_haystack.typed`` parses every typed span's output with ``json.loads`` (``_json``), which raises
``RecursionError`` on an array nested 20k deep (it catches ValueError only). The span processor counts an error
and judges nothing of the span: a web page's text handed back by a tool (untrusted output) turns the run's tool-call
budget off live, where the backtest of the same spans (DuckDB's JSON reader takes the depth) cuts the run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))

from _guard_play import not_allowed  # noqa: E402
from _haystack_otel import export, run  # noqa: E402
from test_hayb49_guard_haystack import _play  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.policy import Budgets, Policy  # noqa: E402

POLICY = Policy(budgets=Budgets(max_tool_calls_run=1))
DEEP = "[" * 20_000 + "]" * 20_000  # (past any recursion limit Python runs at: 1,000 by default)


@pytest.mark.xfail(
    strict=True,
    reason="attack50: _guard_span_haystack._json catches ValueError only: a tool output nested 20k deep raises "
    "RecursionError in typed(), the guard counts an error and never counts the call, so max_tool_calls_run is not "
    "applied live while the backtest of the same spans cuts the run",
)
def test_deep_tool_output_does_not_blind_the_guard(tmp_path: Path) -> None:
    doc = export([run("d1" * 16)])
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for a in sp["attributes"]:
            if a["key"] == "haystack.agent.step.tool.output" and "price" in a["value"]["stringValue"]:
                a["value"]["stringValue"] = '{"price": 14.2, "page": ' + DEEP + "}"
    path = tmp_path / "haystack.otlp.json"
    path.write_text(json.dumps(doc))
    heard: list[Any] = []
    guard = GuardSpanProcessor(POLICY, on_cut=heard.append, on_escalate=heard.append)
    _play(path, [guard], "tags")
    with wb.open() as ws:
        rep = ws.ingest(path, progress=False)
        assert (rep.stored, rep.quarantined) == (15, 0)  # (the store reads every span, the deep one too)
        ws.label(ws.runs()["run_id"][0], outcome="failure")
        said = set(not_allowed(wb.backtest(POLICY, ws, steps=True)))
    assert said  # (the second tool call is cut)
    assert {(e.run_id, e.step_id, e.action, e.rule) for e in heard} == said
    assert guard.errors == 0

"""attack50: the live guard on Haystack's own spans (``_guard_span_haystack``) decides otherwise than the backtest.

1. Token counts: ``_whole`` is documented as ``try_cast(json_extract_string(v) AS BIGINT)`` (the rule in
   ``store/sql/haystack_spans.sql``) but is Python's ``int()`` / ``str.strip()``: digits of other scripts and a
   no-break space are a count for the guard and NULL for the store, a hex count the other way round. A HITL rule on
   tokens escalates live where the backtest of the same spans says nothing (or the reverse).
2. A deep output: ``typed`` parses every typed span's output with ``json.loads`` (``_json``), which raises
   ``RecursionError`` on an array nested 20k deep (it catches ValueError only). The span processor counts an error
   and judges nothing of the span: a web page handed back by a tool (untrusted output) turns the run's tool-call
   budget off live, where the backtest (DuckDB's JSON reader takes the depth) cuts the run.
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
from workbench.policy import Budgets, HitlRule, Policy  # noqa: E402

# one run a count: digits of another script, a no-break space before them, a hex count
TOKENS = {"c1": "\u0661\u0662\u0660\u0660", "c2": "\u00a01200", "c3": "0x10"}
DEEP = "[" * 20_000 + "]" * 20_000  # (past any recursion limit Python runs at: 1,000 by default)


def _told_and_said(path: Path, doc: dict, policy: Policy) -> tuple[set[Any], set[Any], int]:
    """What the live guard told of ``doc``'s spans played through the SDK, what the backtest of them ingested says
    (run, step, action, rule), and the guard's errors."""
    path.write_text(json.dumps(doc))
    heard: list[Any] = []
    guard = GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append)
    _play(path, [guard], "tags")
    with wb.open() as ws:
        rep = ws.ingest(path, progress=False)
        assert rep.quarantined == 0  # (the store reads every span)
        for run_id in ws.runs()["run_id"]:
            ws.label(run_id, outcome="failure")
        said = set(not_allowed(wb.backtest(policy, ws, steps=True)))
    return {(e.run_id, e.step_id, e.action, e.rule) for e in heard}, said, guard.errors


def _set(doc: dict, key: str, change: Any) -> dict:
    for sp in doc["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        for a in sp["attributes"]:
            if a["key"] == key:
                a["value"]["stringValue"] = change(sp["traceId"][:2], a["value"]["stringValue"])
    return doc


# (mend50: failed on 0a8c4fd4, _whole was int() / strip(); _cast_text reads text as DuckDB's cast)
def test_guard_reads_haystack_token_counts_as_the_store(tmp_path: Path) -> None:
    def count(trace: str, text: str) -> str:
        reply = json.loads(text)
        reply["replies"][0]["meta"]["usage"]["prompt_tokens"] = TOKENS[trace]
        return json.dumps(reply)

    doc = _set(export([run(r * 16) for r in TOKENS]), "haystack.agent.step.llm.output", count)
    told, said, errors = _told_and_said(
        tmp_path / "tokens.otlp.json", doc, Policy(hitl=(HitlRule("tokens_in", 10.0),))
    )
    assert errors == 0
    # (the store reads '0x10' as 16 tokens, the other two as none: one run escalated, so the runs differ; mend50:
    # attack50's "each run judged by one side or the other" held only while the two read the counts apart)
    assert {r[0][:2] for r in said} == {"c3"}
    for r in TOKENS:
        assert {x for x in told if x[0][:2] == r} == {x for x in said if x[0][:2] == r}, r


# (mend50: failed on 0a8c4fd4, _json caught ValueError only; _json_deep.loads parses past the recursion limit)
def test_deep_tool_output_does_not_blind_the_guard(tmp_path: Path) -> None:
    def deep(_: str, text: str) -> str:
        return '{"price": 14.2, "page": ' + DEEP + "}" if "price" in text else text

    doc = _set(export([run("d1" * 16)]), "haystack.agent.step.tool.output", deep)
    told, said, errors = _told_and_said(
        tmp_path / "deep.otlp.json", doc, Policy(budgets=Budgets(max_tool_calls_run=1))
    )
    assert said  # (the second tool call is cut)
    assert told == said
    assert errors == 0

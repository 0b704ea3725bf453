"""review50: a Haystack span the store quarantines is judged by the live guard when it ends (real50's start order).

real50 (167e333d) judges every held span of Haystack's own tracing "as begun" at any span's start or end, the ending
span's own too, before the end looks at whether the store keeps the span. A model call whose input is past the
store's field limit (a long history, images as base64: ``MAX_FIELD_BYTES``) is quarantined by the store, so it is no
step of the backtest's; the guard, before, judged such a span (held to its end) not at all, and after real50 cut the
run on it (``max_depth``: the call is the run's one step below depth 1).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))

from _guard_play import not_allowed  # noqa: E402
from _haystack_otel import _builder, export  # noqa: E402
from _otlp_json import enclosing  # noqa: E402
from test_hayb49_guard_haystack import _play  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.ingest._fields import MAX_FIELD_BYTES  # noqa: E402
from workbench.policy import Breakers, Policy  # noqa: E402


def test_a_held_haystack_span_the_store_quarantines_is_not_judged_at_its_end(tmp_path: Path) -> None:
    spans, span = _builder("e1" * 16, True)
    root = span(None, "haystack.agent.run", {"haystack.agent.max_steps": 10})
    s0 = span(root, "haystack.agent.step", {"haystack.agent.step": 0})
    history = {"messages": [{"role": "user", "content": [{"text": "x" * (MAX_FIELD_BYTES + 10)}]}]}
    span(s0, "haystack.agent.step.llm", {}, {"haystack.agent.step.llm.input": history})
    path = tmp_path / "big.otlp.json"
    path.write_text(json.dumps(export([enclosing(spans)])))
    policy = Policy(breakers=Breakers(max_depth=1))
    heard: list = []
    guard = GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append)
    _play(path, [guard], "tags")
    with wb.open() as ws:
        rep = ws.ingest(path, progress=False)
        assert rep.quarantined == 1  # (the model call: its input past the field limit)
        ws.label(ws.runs()["run_id"][0], outcome="failure")
        said = set(not_allowed(wb.backtest(policy, ws, steps=True)))
    assert said == set()
    assert [(int(e.step_id, 16), e.phase) for e in heard] == []
    assert guard.errors == 0
    assert guard.quarantined == 1


def test_a_held_haystack_span_the_store_quarantines_gives_no_depth_to_the_spans_under_it(
    tmp_path: Path,
) -> None:
    """The same for a span judged as begun when a span under it starts (hay49's rule, and real50's at any span's
    start or end): an Agent run whose input (the conversation so far) is past the field limit is quarantined by the
    store, whose walk then takes the steps under it as roots; the guard judged it as begun, a step of depth 0, and
    cut the model call two levels down (max_depth 1) that the backtest finds at depth 1. Fails on 0a8c4fd4 too."""
    spans, span = _builder("e2" * 16, True)
    history = {"messages": [{"role": "user", "content": [{"text": "x" * (MAX_FIELD_BYTES + 10)}]}]}
    root = span(
        None, "haystack.agent.run", {"haystack.agent.max_steps": 10}, {"haystack.agent.input": history}
    )
    s0 = span(root, "haystack.agent.step", {"haystack.agent.step": 0})
    span(s0, "haystack.agent.step.llm", {}, {"haystack.agent.step.llm.input": {"messages": []}})
    path = tmp_path / "big_run.otlp.json"
    path.write_text(json.dumps(export([enclosing(spans)])))
    policy = Policy(breakers=Breakers(max_depth=1))
    heard: list = []
    guard = GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append)
    _play(path, [guard], "tags")
    with wb.open() as ws:
        rep = ws.ingest(path, progress=False)
        assert rep.quarantined == 1  # (the Agent run: its input past the field limit)
        ws.label(ws.runs()["run_id"][0], outcome="failure")
        said = set(not_allowed(wb.backtest(policy, ws, steps=True)))
    assert said == set()
    assert [(int(e.step_id, 16), e.phase) for e in heard] == []
    assert (guard.errors, guard.quarantined) == (0, 1)

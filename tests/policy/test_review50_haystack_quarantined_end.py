"""review50: a Haystack span the store quarantines is judged by the live guard when it ends (real50's start order).

real50 (167e333d) judges every held span of Haystack's own tracing "as begun" at any span's start or end, the ending
span's own too, before the end looks at whether the store keeps the span. A model call whose input is past the
store's field limit (a long history, images as base64: ``MAX_FIELD_BYTES``) is quarantined by the store, so it is no
step of the backtest's; the guard, before, judged such a span (held to its end) not at all, and after real50 cut the
run on it (``max_depth``: the call is the run's one step below depth 1). Run e1: passes on 0a8c4fd4, fails on
b5d3930c (real50's regression).

The same for a span judged as begun when a span under it starts (hay49's rule, and real50's at any span's start or
end), run e2: an Agent run whose input (the conversation so far) is past the field limit is quarantined by the
store, whose walk then takes the steps under it as roots; the guard judged it as begun, a step of depth 0, and cut
the model call two levels down (max_depth 1) that the backtest finds at depth 1. Fails on 0a8c4fd4 too.
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


def test_a_held_haystack_span_the_store_quarantines_is_no_step_live(tmp_path: Path) -> None:
    history = {"messages": [{"role": "user", "content": [{"text": "x" * (MAX_FIELD_BYTES + 10)}]}]}
    spans, span = _builder("e1" * 16, True)  # (the model call quarantined, ending held)
    root = span(None, "haystack.agent.run", {"haystack.agent.max_steps": 10})
    s0 = span(root, "haystack.agent.step", {"haystack.agent.step": 0})
    span(s0, "haystack.agent.step.llm", {}, {"haystack.agent.step.llm.input": history})
    runs = [enclosing(spans)]
    spans, span = _builder("e2" * 16, True)  # (the Agent run quarantined, begun as a span starts under it)
    root = span(
        None, "haystack.agent.run", {"haystack.agent.max_steps": 10}, {"haystack.agent.input": history}
    )
    s0 = span(root, "haystack.agent.step", {"haystack.agent.step": 0})
    span(s0, "haystack.agent.step.llm", {}, {"haystack.agent.step.llm.input": {"messages": []}})
    runs.append(enclosing(spans))
    path = tmp_path / "big.otlp.json"
    path.write_text(json.dumps(export(runs)))
    policy = Policy(breakers=Breakers(max_depth=1))
    heard: list = []
    guard = GuardSpanProcessor(policy, on_cut=heard.append, on_escalate=heard.append)
    _play(path, [guard], "tags")
    with wb.open() as ws:
        rep = ws.ingest(path, progress=False)
        assert (
            rep.quarantined == 2
        )  # (the model call of e1, the Agent run of e2: each input past the field limit)
        for run_id in ws.runs()["run_id"]:
            ws.label(run_id, outcome="failure")
        said = set(not_allowed(wb.backtest(policy, ws, steps=True)))
    assert said == set()
    assert [(e.run_id[:2], int(e.step_id, 16), e.phase) for e in heard] == [], heard
    assert (guard.errors, guard.quarantined) == (0, 2)

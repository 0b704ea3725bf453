"""review50: real50's start-order judging reads another thread's Haystack span while its tags are still being set.

real50 (167e333d, ``_SpanStarts._begin_held``) judges, at any span's start or end in a run, every held span of
Haystack's own tracing that has any attribute yet, on the reasoning that "Haystack's tracer sets them right after the
span's start, so by another span's start or end they are set". Within one thread that holds; Haystack's parallel
tool calls run in a thread pool, each span in its own thread, and the tracer sets the tags one ``set_attribute`` at a
time (``Span.set_tags``), the call's arguments (``haystack.agent.step.tool.input``) after them. A thread switched
out between two of them leaves a span with some of its attributes; the span starting or ending meanwhile in the
other thread has it judged then, once, without its arguments. Played here deterministically: ``fetch_price``'s span
(4) gets its first tag, then ``fetch_stock``'s (5) starts in the other thread, then 4 gets the rest.

Before real50 a held leaf span was judged at its own end (every tag set). With ``Loops(max_repeats=0)`` the backtest
cuts the third call (8, ``fetch_price`` of the same item again after it succeeded); live, the first call was
counted with no arguments, so the third is no repeat of it and runs. mend51: "tags complete" is not known from outside Haystack's thread, so
such a call is judged as any tool call beginning without arguments is: where it began, as a call without them, and
again at its end (what that judgement counted taken back) when its arguments came meanwhile.
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
from _haystack_otel import T0, _builder, _reply, export  # noqa: E402
from _otlp_json import enclosing  # noqa: E402
from _otlp_replay import spans_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from test_hayb49_guard_haystack import _Ids  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor  # noqa: E402
from workbench.ingest._otlp_read import attributes  # noqa: E402
from workbench.policy import Loops, Policy  # noqa: E402

POLICY = Policy(loops=Loops(max_repeats=0))


@pytest.fixture(scope="module")
def repeated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[Any]]:
    """An Agent run alone: step 0 calls fetch_price and fetch_stock in parallel (4 starts first, ends last), step 1
    calls fetch_price for the same item again (8); and what the backtest of it says."""
    spans, span = _builder("f1" * 16, True)
    root = span(None, "haystack.agent.run", {"haystack.agent.max_steps": 10})
    calls = [("fetch_price", {"item": "widget"}), ("fetch_stock", {"item": "widget"})]
    for counter, asked in enumerate((calls, calls[:1])):
        s = span(root, "haystack.agent.step", {"haystack.agent.step": counter})
        span(s, "haystack.agent.step.llm", {}, {"haystack.agent.step.llm.output": _reply(calls=asked)})
        for name, args in asked:
            span(
                s,
                "haystack.agent.step.tool",
                {"haystack.tool.name": name, "haystack.tool.description": f"The {name} tool."},
                {"haystack.agent.step.tool.input": args, "haystack.agent.step.tool.output": {"ok": name}},
            )
    spans[3]["endTimeUnixNano"] = str(T0 + 5_800_000)  # (fetch_price ends after fetch_stock)
    path = tmp_path_factory.mktemp("review50") / "repeat.otlp.json"
    path.write_text(json.dumps(export([enclosing(spans)])))
    with wb.open() as ws:
        ws.ingest(path, progress=False)
        ws.label(ws.runs()["run_id"][0], outcome="failure")
        said = set(not_allowed(wb.backtest(POLICY, ws, steps=True)))
    return path, said


def _told(path: Path, torn: int | None) -> tuple[set[Any], int]:
    """What a live guard told as ``path``'s spans are played as Haystack's tracer makes them (no attribute at the
    start, the tags and inputs right after, the outputs at the end); span ``torn`` gets its first attribute only,
    the rest after the next span starts (another thread's)."""
    heard: list[Any] = []
    guard = GuardSpanProcessor(POLICY, on_cut=heard.append, on_escalate=heard.append)
    ids = _Ids()
    provider = TracerProvider(id_generator=ids)
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("haystack")
    items = [sp for _, _, sp in spans_of(path)]
    events = sorted(
        [(int(sp["startTimeUnixNano"]), 1, n) for n, sp in enumerate(items)]
        + [(int(sp["endTimeUnixNano"]), 0, n) for n, sp in enumerate(items)]
    )
    live: dict[str, Any] = {}
    rest: tuple[Any, dict] | None = None
    for t, starts, n in events:
        sp = items[n]
        attrs = attributes(sp.get("attributes"))
        early = {k: v for k, v in attrs.items() if not k.endswith(".output")}
        if starts:
            ids.trace_id, ids.span_id = int(sp["traceId"], 16), int(sp["spanId"], 16)
            parent = live.get(sp.get("parentSpanId") or "")
            ctx = trace_api.set_span_in_context(parent if parent is not None else trace_api.INVALID_SPAN)
            s = tracer.start_span(sp["name"], context=ctx, start_time=t)
            if int(sp["spanId"], 16) == torn:
                first = next(iter(early))
                s.set_attribute(first, early.pop(first))
                rest = (s, early)
            else:
                s.set_attributes(early)
            live[sp["spanId"]] = s
        else:
            s = live.pop(sp["spanId"])
            s.set_attributes({k: v for k, v in attrs.items() if k.endswith(".output")})
            s.end(end_time=t)
        if rest is not None and int(sp["spanId"], 16) != torn:
            rest[0].set_attributes(rest[1])
            rest = None
    return {(e.run_id, e.step_id, e.action, e.rule) for e in heard}, guard.errors


def test_parallel_haystack_calls_each_tagged_at_once_are_judged_as_the_backtest(repeated: Any) -> None:
    path, said = repeated
    assert {int(s[1], 16) for s in said} == {8}
    assert _told(path, None) == (said, 0)


def test_a_parallel_haystack_call_half_tagged_is_judged_as_the_backtest(repeated: Any) -> None:
    path, said = repeated
    assert _told(path, 4) == (said, 0)

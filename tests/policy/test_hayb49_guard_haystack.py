"""The live guard on Haystack's own spans decides what the backtest says of them ingested.

Haystack's tracer (haystack-core-integrations 50a84e94, ``tracing/opentelemetry/tracer.py``) starts each span with
no attribute and sets its tags right after (``set_tags``), before any span under it starts; a tool call's arguments
before the tool runs, its result and a model's reply at the end (deepset-ai/haystack c7cb46c0,
``components/agents/tool_calling.py``). Played so through the SDK here (the shape: tests/ingest/_haystack_otel.py).
Before, the guard mapped each span alone: every one "other", no agent, no tool call, so per-agent and per-tool
limits never applied to a Haystack pipeline guarded live.
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
from _haystack_otel import alone, export, run  # noqa: E402
from _otlp_replay import spans_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.id_generator import IdGenerator  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.ingest._otlp_read import attributes  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Policy  # noqa: E402

POLICIES = {
    "tool calls": Policy(budgets=Budgets(max_tool_calls_run=1)),
    "per agent": Policy(budgets=Budgets(max_tool_calls_agent=0)),
    "depth": Policy(breakers=Breakers(max_depth=6)),
    "agent's calls": Policy(hitl=(HitlRule("tool_calls", 1.0, agent="researcher"),)),
    "hitl": Policy(hitl=(HitlRule("tokens_out", 20.0, agent="researcher"), HitlRule("tool_calls", 1.0))),
}


class _Ids(IdGenerator):
    """The file's ids, set before each span starts."""

    trace_id = span_id = 0

    def generate_trace_id(self) -> int:
        return self.trace_id

    def generate_span_id(self) -> int:
        return self.span_id


def _play(path: Path, guards: list[GuardSpanProcessor], at_start: str) -> None:
    """Every span of ``path`` started and ended in time order through the SDK. ``at_start`` "tags": as Haystack's
    tracer (no attribute at the start, the tags and content inputs right after it, the outputs at the end);
    "all": every attribute given at the start (a tracer that knows them then)."""
    ids = _Ids()
    provider = TracerProvider(id_generator=ids)
    for g in guards:
        provider.add_span_processor(g)
    tracer = provider.get_tracer("haystack")
    items = [sp for _, _, sp in spans_of(path)]
    events = sorted(
        [(int(sp["startTimeUnixNano"]), 1, n) for n, sp in enumerate(items)]
        + [(int(sp["endTimeUnixNano"]), 0, n) for n, sp in enumerate(items)]
    )
    live: dict[tuple[str, str], Any] = {}
    for t, starts, n in events:
        sp = items[n]
        attrs = attributes(sp.get("attributes"))
        later = {k: v for k, v in attrs.items() if k.endswith(".output")}
        if starts:
            ids.trace_id, ids.span_id = int(sp["traceId"], 16), int(sp["spanId"], 16)
            parent = live.get((sp["traceId"], sp.get("parentSpanId") or ""))
            ctx = trace_api.set_span_in_context(parent if parent is not None else trace_api.INVALID_SPAN)
            s = tracer.start_span(
                sp["name"], context=ctx, start_time=t, attributes=attrs if at_start == "all" else None
            )
            s.set_attributes({k: v for k, v in attrs.items() if k not in later})
            live[sp["traceId"], sp["spanId"]] = s
        else:
            s = live.pop((sp["traceId"], sp["spanId"]))
            s.set_attributes(later)
            s.end(end_time=t)


_SAID: list[tuple[Policy, wb.Workspace, set]] = []


def _said(policy: Policy, ws: wb.Workspace) -> set:
    """What the backtest of ``policy`` on the (read-only, module-scoped) store ``ws`` says, run once for the cases
    that play the store's spans live each way (``at_start``): the live side differs, the backtest not."""
    for done, on, said in _SAID:
        if done == policy and on is ws:
            return said
    _SAID.append((policy, ws, set(not_allowed(wb.backtest(policy, ws, steps=True)))))
    return _SAID[-1][2]


def _told_as_backtest(
    path: Path, ws: wb.Workspace, policies: dict[str, Policy], at_start: str
) -> dict[str, list[SpanDecision]]:
    """What a live guard of each policy told as ``path`` is played (:func:`_play`), checked to be what the backtest
    of the policy on ``ws`` (``path`` ingested) says, with no guard error."""
    heard: dict[str, list[SpanDecision]] = {name: [] for name in policies}
    guards = [
        GuardSpanProcessor(p, on_cut=heard[name].append, on_escalate=heard[name].append)
        for name, p in policies.items()
    ]
    _play(path, guards, at_start)
    for (name, policy), guard in zip(policies.items(), guards, strict=True):
        said = _said(policy, ws)
        told = {(e.run_id, e.step_id, e.action, e.rule) for e in heard[name]}
        assert told == said, name
        assert guard.errors == 0
    return heard


@pytest.fixture(scope="module")
def haystack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, wb.Workspace]:
    # b1: the researcher's fetch_price fails (caught, the error in its output); b2: content tracing off; b3: all well,
    # the planner's call of the researcher confirmed first (a ConfirmationHook)
    doc = export(
        [run("b1" * 16, tool_error=True), run("b2" * 16, content=False), run("b3" * 16, confirm=True)]
    )
    path = tmp_path_factory.mktemp("hayb49") / "haystack.otlp.json"
    path.write_text(json.dumps(doc))
    ws = wb.open()
    ws.ingest(path, progress=False)
    for run_id in ws.runs()["run_id"]:
        ws.label(run_id, outcome="failure")
    return path, ws


@pytest.mark.parametrize("at_start", ["tags", "all"])
def test_live_guard_on_haystack_spans_decides_what_the_backtest_says(haystack: Any, at_start: str) -> None:
    path, ws = haystack
    heard = _told_as_backtest(path, ws, POLICIES, at_start)
    assert all(heard.values())  # (every policy here stops or escalates a run)
    # two tool calls a run: the second, the researcher's fetch_price (span 11, a leaf), cut where its tool is known:
    # at its end when its tags came after its start; and the planner's call of the researcher (span 7) is the
    # planner's one, cut (per agent) as the researcher's run starts under it (its tags are set by then), before it runs
    by_run = {e.run_id[:2]: e for e in heard["tool calls"]}
    assert {r: (int(e.step_id, 16), e.agent, e.tool, e.phase) for r, e in by_run.items()} == {
        r: (11, "researcher", "fetch_price", "end" if at_start == "tags" else "start")
        for r in ("b1", "b2", "b3")
    }
    assert {(int(e.step_id, 16), e.agent, e.tool, e.phase) for e in heard["per agent"]} == {
        (7, "planner", "researcher", "start")
    }
    # the model's tokens are the researcher's: its last reply (only with content tracing on)
    assert {(e.run_id[:2], int(e.step_id, 16), e.agent) for e in heard["hitl"] if "tokens_out" in e.rule} == {
        (r, n, "researcher") for r in ("b1", "b3") for n in (10, 13)
    }


@pytest.fixture(scope="module")
def alone_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, wb.Workspace]:
    path = tmp_path_factory.mktemp("real50") / "alone.otlp.json"
    path.write_text(json.dumps(export([alone("c1" * 16)])))
    ws = wb.open()
    ws.ingest(path, progress=False)
    ws.label(ws.runs()["run_id"][0], outcome="failure")
    return path, ws


@pytest.mark.parametrize("at_start", ["tags", "all"])
def test_live_guard_judges_a_steps_parallel_tool_calls_in_the_order_they_start(
    alone_run: Any, at_start: str
) -> None:
    """Two tool calls of one Haystack step run in parallel, the first started ending last: the live guard judges
    them in the order they start, as the backtest does. Start order is the right one: it is the order the model
    asked for the calls (Haystack starts them as its reply lists them) and the order the stored run shows them; the
    order they end is only which tool was quicker, so a limit on calls made would blame the quicker, later call.
    Haystack sets a span's tags right after its start, so by the end of either call both calls' tags are known.
    Before, the guard judged held leaf spans at their own ends: the limit of one call cut fetch_price (started
    first) where the backtest cuts fetch_stock. The agent is the run alone's ("agent", as the store names it)."""
    path, ws = alone_run
    policies = {
        "tool calls": Policy(budgets=Budgets(max_tool_calls_run=1)),
        "agent's calls": Policy(hitl=(HitlRule("tool_calls", 1.0, agent="agent"),)),
    }
    heard = _told_as_backtest(path, ws, policies, at_start)
    assert [(int(e.step_id, 16), e.agent, e.tool) for e in heard["tool calls"]] == [
        (5, "agent", "fetch_stock")
    ]

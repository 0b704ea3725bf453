"""The live guard on OpenTelemetry spans (``workbench.guard_spans.GuardSpanProcessor``) decides, span for span,
what ``wb.backtest`` says of the same spans ingested.

The system here writes its spans through the real OpenTelemetry SDK, as GenAI instrumentations do (an
orchestrator's agent span, LLM and tool spans, a sub-agent offered as a tool, a failing call retried, a
call made again and again); the same finished spans are written as the Collector's file
(``workbench.capture.otlp_json``) and ingested, and the backtest's cuts and escalations compared with the
ones the processor told while the spans were being written."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from _guard_play import not_allowed, provider_with, store_of  # noqa: E402
from opentelemetry import trace as trace_api  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402
from opentelemetry.trace import Status, StatusCode  # noqa: E402

import workbench as wb  # noqa: E402
from workbench.guard_spans import GuardSpanProcessor, SpanDecision  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy, PolicyViolation  # noqa: E402

MS = 1_000_000
T0 = 1_796_131_000_000_000_000


class System:
    """A two-agent system writing GenAI spans on a tracer, on a clock of its own (1 ms a tick)."""

    def __init__(self, tracer: Any, t0: int, args_at: str = "start") -> None:
        self.tracer, self.now, self.args_at = tracer, t0, args_at

    def tick(self, n: int = 1) -> int:
        self.now += n * MS
        return self.now

    @contextmanager
    def span(
        self,
        name: str,
        attrs: dict[str, Any],
        at_end: dict[str, Any] | None = None,
        error: bool | str = False,
        took: int = 1,
    ) -> Iterator[Any]:
        s = self.tracer.start_span(name, attributes=attrs, start_time=self.tick())
        with trace_api.use_span(s, end_on_exit=False):
            yield s
        self.tick(took)
        if at_end:
            s.set_attributes(at_end)
        if error == "recorded":  # caught by the tool, recorded on its span, the status left alone
            s.record_exception(TimeoutError("backend timeout"))
        elif error:
            s.set_status(Status(StatusCode.ERROR, "backend timeout"))
        s.end(end_time=self.tick())

    def llm(self, reply: str | None = None, call: str | None = None, took: int = 3) -> None:
        parts = ([{"type": "text", "content": reply}] if reply else []) + (
            [{"type": "tool_call", "id": f"call_{self.now}", "name": call}] if call else []
        )
        with self.span(
            "chat model",
            {"gen_ai.operation.name": "chat", "gen_ai.request.model": "m"},
            {
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": parts}]),
                "gen_ai.usage.output_tokens": 12,
            },
            took=took,
        ):
            pass

    def tool(self, name: str, args: dict[str, Any], result: str, error: bool | str = False) -> Any:
        first = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name}
        last = {"gen_ai.tool.call.result": result}
        (first if self.args_at == "start" else last)["gen_ai.tool.call.arguments"] = json.dumps(args)
        return self.span(f"execute_tool {name}", first, last, error=error)

    def agent(self, name: str, answer: str) -> Any:
        return self.span(
            f"invoke_agent {name}",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name},
            {
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": answer}]}]
                )
            },
        )

    def run(
        self, guard: GuardSpanProcessor | None = None, lookups: int = 4, failed: bool | str = True
    ) -> None:
        """An orchestrator asking a pricing agent (a sub-agent offered as a tool; its first call fails and is
        made again), then looking the same order up ``lookups`` times; it stops when ``guard`` says so."""
        answer = "Quote: 100 x WID-7 at 14.20 USD each = 1420.00 USD."
        with self.span("invoke_workflow quote", {"gen_ai.operation.name": "invoke_workflow"}) as top:
            self.run_id = f"{top.get_span_context().trace_id:032x}"  # (the store's run id of the trace)
            with self.agent("planner", answer):
                self.llm(call="ask_pricing")
                with self.tool("ask_pricing", {"sku": "WID-7"}, "The unit price of WID-7 is 14.20 USD."):
                    with self.agent("pricer", "The unit price of WID-7 is 14.20 USD."):
                        self.llm(call="get_price")
                        with self.tool(
                            "get_price", {"sku": "WID-7"}, "catalogue API timed out (503)", error=failed
                        ):
                            pass
                        self.llm(call="get_price")
                        with self.tool(
                            "get_price", {"sku": "WID-7"}, '{"sku": "WID-7", "unit_price_usd": 14.2}'
                        ):
                            pass
                        self.llm(reply="The unit price of WID-7 is 14.20 USD.", took=40)
                for _ in range(lookups):
                    if guard is not None and guard.should_stop():
                        break
                    self.llm(
                        reply="Checking the status of order PO-7 with the order service.", call="lookup_order"
                    )
                    with self.tool("lookup_order", {"order": "PO-7"}, '{"order": "PO-7", "status": "open"}'):
                        pass
                self.llm(reply=answer)


POLICIES = {
    "tool calls": Policy(budgets=Budgets(max_tool_calls_run=4)),
    "per agent": Policy(budgets=Budgets(max_tool_calls_agent=2)),
    "retries": Policy(budgets=Budgets(max_retries=0)),
    "loops": Policy(loops=Loops(max_repeats=1)),
    "depth": Policy(breakers=Breakers(max_depth=3)),
    "replies": Policy(loops=Loops(max_repeated_replies=1)),
    "step latency": Policy(breakers=Breakers(max_step_latency_ms=30.0)),
    "run latency": Policy(breakers=Breakers(max_run_latency_ms=60.0)),
    "hitl": Policy(
        hitl=(
            HitlRule("latency_ms", 4.0),
            HitlRule("tool_calls", 3.0),
            HitlRule("retries", 1.0),
            HitlRule("depth", 4.0),
            HitlRule("tokens_out", 12.0, agent="pricer"),
        )
    ),
}


def _live(
    policy: Policy, args_at: str, runs: int = 1, obey: bool = False, lookups: int = 4
) -> tuple[set, list, Any, Any]:
    """Run the system ``runs`` times (one thread each) with the processor on its provider; returns what the
    processor told, the spans as a Collector's file, and the processor."""
    [(told, cuts, guard)], memory = _live_many([policy], args_at, runs, obey, lookups)
    return told, cuts, memory, guard


def _live_many(
    policies: list[Policy],
    args_at: str | tuple[str, ...],
    runs: int = 1,
    obey: bool = False,
    lookups: int = 4,
    run_ids: dict[str, set[str]] | None = None,
) -> tuple[list[tuple[set, list, Any]], Any]:
    """``_live`` with one processor per policy on the one provider (a processor only reads spans: each hears the
    runs as if alone); what each told, cut and is, and the spans. ``obey``: the system asks the first. Several
    ``args_at``: ``runs`` runs of each at once, ``run_ids`` filled with each one's run ids."""
    heard: list[tuple[set, list, Any]] = []
    lock = threading.Lock()
    for policy in policies:
        told: set[tuple[str, str, str, str]] = set()
        cuts: list[SpanDecision] = []

        def cut(e: SpanDecision, told: set = told, cuts: list = cuts) -> None:
            with lock:
                cuts.append(e)
                told.add((e.run_id, e.step_id, e.action, e.rule))

        def escalate(e: SpanDecision, told: set = told) -> None:
            with lock:
                told.add((e.run_id, e.step_id, e.action, e.rule))

        heard.append((told, cuts, GuardSpanProcessor(policy, on_cut=cut, on_escalate=escalate)))
    provider, memory = provider_with(*(guard for _, _, guard in heard))
    tracer = provider.get_tracer("test-system")
    kinds = (args_at,) if isinstance(args_at, str) else args_at
    systems = [
        (kind, System(tracer, T0 + (k * runs + i) * 10_000 * MS, kind))
        for k, kind in enumerate(kinds)
        for i in range(runs)
    ]
    threads = [
        threading.Thread(target=system.run, args=(heard[0][2] if obey else None, lookups))
        for _, system in systems
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if run_ids is not None:
        for kind, system in systems:
            run_ids.setdefault(kind, set()).add(system.run_id)
    return heard, memory


def _backtest(policy: Policy, memory: InMemorySpanExporter, tmp_path: Path) -> tuple[set, Any]:
    ws, _ = store_of(memory, tmp_path)
    report = wb.backtest(policy, ws, steps=True)
    return set(not_allowed(report)), report


@pytest.fixture(scope="module")
def three_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], tuple[dict[str, tuple], set, Any]]:
    """The system run three times at once for each ``args_at`` (six runs at once) under every policy's processor
    (one provider), and the spans ingested once (they were a play and a store per ``args_at``): for an ``args_at``,
    what each policy's processor told and cut of its runs, and is; its run ids; and each policy's backtest of the
    store, run once for both (each case reads its own runs of it)."""
    run_ids: dict[str, set[str]] = {}
    heard, memory = _live_many(list(POLICIES.values()), ("start", "end"), runs=3, run_ids=run_ids)
    ws, _ = store_of(memory, tmp_path_factory.mktemp("three_runs"))
    assert set(ws.runs()["run_id"]) == run_ids["start"] | run_ids["end"]
    backtests: dict[str, Any] = {}

    def play(args_at: str) -> tuple[dict[str, tuple], set, Any]:
        mine = run_ids[args_at]
        told = {
            name: (
                {d for d in said if d[0] in mine},
                [c for c in cuts if c.run_id in mine],
                guard,
            )
            for name, (said, cuts, guard) in zip(POLICIES, heard, strict=True)
        }

        def backtest(name: str) -> Any:
            if name not in backtests:
                backtests[name] = wb.backtest(POLICIES[name], ws, steps=True)
            return backtests[name]

        return told, mine, backtest

    return play


@pytest.mark.parametrize("args_at", ["start", "end"])
@pytest.mark.parametrize("name", list(POLICIES))
def test_live_guard_on_spans_decides_what_the_backtest_says(name: str, args_at: str, three_runs: Any) -> None:
    # args_at="end": the tool calls' arguments come only when their spans end (OpenInference's openai-agents
    # instrumentation sets every attribute then): the retry and loop limits are checked at the span's end
    heard, mine, backtest = three_runs(args_at)
    told, cuts, guard = heard[name]
    report = backtest(name)
    said = {d for d in not_allowed(report) if d[0] in mine}
    assert told == said
    assert told, "every policy here cuts or escalates these runs"
    assert guard.errors == 0
    # a cut is told once per run, and the run says so afterwards
    runs = report.runs[report.runs["run_id"].isin(mine)]
    assert len(runs) == 3
    assert len(cuts) == len({c.run_id for c in cuts}) == int((runs["decision"] == "cut").sum())
    for c in cuts:
        assert guard.should_stop(c.run_id) and guard.cut(c.run_id).rule == c.rule
        assert guard.should_stop(int(c.run_id, 16))


def test_a_tool_call_whose_caught_exception_was_recorded_is_a_failed_call_live_as_in_the_backtest(
    tmp_path: Path,
) -> None:
    # the first get_price catches its timeout and records it on its span with no error status: the store reads the
    # call as failed (_span_outcome.recorded_failure), so the same call made again is a retry, live too
    policy = POLICIES["retries"]
    guard = GuardSpanProcessor(policy, on_cut=lambda e: told.add((e.run_id, e.step_id, e.action, e.rule)))
    told: set[tuple[str, str, str, str]] = set()
    provider, memory = provider_with(guard)
    System(provider.get_tracer("test-system"), T0).run(failed="recorded")
    said, _ = _backtest(policy, memory, tmp_path)
    assert told == said and {rule for *_, rule in told} == {"max_retries"}


def test_a_system_that_asks_stops_where_the_backtest_cuts(tmp_path: Path) -> None:
    # the orchestrator asks should_stop() (the current span's trace) before each lookup: cut by the loop
    # limit at its second repeat, it stops there; the spans it wrote are cut at that same call by the backtest
    policy = Policy(loops=Loops(max_repeats=1))
    told, cuts, memory, _ = _live(policy, "start", obey=True)
    lookups = [s for s in memory.get_finished_spans() if s.name == "execute_tool lookup_order"]
    assert len(lookups) == 3 and len(cuts) == 1
    assert cuts[0].step_id == f"{lookups[-1].context.span_id:016x}" and cuts[0].phase == "start"
    said, report = _backtest(policy, memory, tmp_path)
    assert told == said
    assert report.runs["cut_step"].tolist() == [cuts[0].step_id]


def test_an_agent_span_echoing_its_last_reply_is_no_repeated_reply(tmp_path: Path) -> None:
    # The planner's agent span ends with the answer its last LLM call gave. The backtest used to read an
    # enclosing span's answer where the span began, before the steps under it: the final LLM call then
    # looked like the planner saying its answer twice and was cut by max_repeated_replies=1. Live, the span's
    # end comes after the call it echoes, within the same turn: one reply. The backtest now hears it so too.
    policy = Policy(loops=Loops(max_repeated_replies=1))
    told, _, memory, _ = _live(policy, "start", lookups=0)
    said, report = _backtest(policy, memory, tmp_path)
    assert told == said == set()
    assert report.runs["decision"].tolist() == ["allowed"]


def test_run_latency_is_read_at_the_first_step_that_ends_past_it(tmp_path: Path) -> None:
    # Google ADK's LLM span stays open while the tool call it asked for runs beside it (a sibling, not a
    # child): the run's latency passes its limit when the tool call ends, before the LLM span does.
    policy = Policy(breakers=Breakers(max_run_latency_ms=50.0))
    cuts: list[SpanDecision] = []
    guard = GuardSpanProcessor(policy, on_cut=cuts.append)
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("adk")
    root = tracer.start_span(
        "invoke_agent coordinator",
        start_time=T0,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "coordinator"},
    )
    ctx = trace_api.set_span_in_context(root)
    llm = tracer.start_span(
        "generate_content m",
        context=ctx,
        start_time=T0 + 10 * MS,
        attributes={"gen_ai.operation.name": "generate_content"},
    )
    tool = tracer.start_span(
        "execute_tool transfer",
        context=ctx,
        start_time=T0 + 20 * MS,
        attributes={
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "transfer",
            "gen_ai.tool.call.arguments": "{}",
        },
    )
    tool.end(end_time=T0 + 55 * MS)
    llm.end(end_time=T0 + 60 * MS)
    root.end(end_time=T0 + 70 * MS)
    assert [c.step_id for c in cuts] == [f"{tool.get_span_context().span_id:016x}"]
    said, _ = _backtest(policy, memory, tmp_path)
    assert said == {(c.run_id, c.step_id, "cut", "max_run_latency_ms") for c in cuts}


def test_raise_on_cut_stops_the_call_where_the_span_is_started_around_it() -> None:
    # An exception from on_start leaves tracer.start_as_current_span: code that starts its span around
    # the work (as many instrumentations' wrappers do) never runs the work. Without raise_on_cut nothing
    # is raised; the hook hears the cut once.
    def calls(raise_on_cut: bool) -> tuple[list[int], list[str], list[SpanDecision]]:
        cuts: list[SpanDecision] = []
        guard = GuardSpanProcessor(
            Policy(budgets=Budgets(max_tool_calls_run=2)), on_cut=cuts.append, raise_on_cut=raise_on_cut
        )
        provider = TracerProvider()
        provider.add_span_processor(guard)
        tracer = provider.get_tracer("app")
        done: list[int] = []
        raised: list[str] = []
        with tracer.start_as_current_span(
            "invoke_agent worker",
            attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "worker"},
        ):
            for i in range(4):
                try:
                    with tracer.start_as_current_span(
                        "execute_tool fetch",
                        attributes={
                            "gen_ai.operation.name": "execute_tool",
                            "gen_ai.tool.call.arguments": str(i),
                        },
                    ):
                        done.append(i)
                except PolicyViolation as exc:
                    raised.append(exc.rule)
        return done, raised, cuts

    done, raised, cuts = calls(raise_on_cut=True)
    assert done == [0, 1] and raised == ["max_tool_calls_run", "max_tool_calls_run"]
    assert len(cuts) == 1 and cuts[0].rule == "max_tool_calls_run"
    done, raised, cuts = calls(raise_on_cut=False)
    assert done == [0, 1, 2, 3] and raised == [] and len(cuts) == 1


def test_an_error_in_the_processor_or_a_hook_never_reaches_the_application(monkeypatch, caplog) -> None:  # noqa: ANN001
    import workbench.guard_spans as gs

    def broken(*a: Any, **k: Any) -> Any:
        raise RuntimeError("mapping failed")

    provider = TracerProvider()
    guard = GuardSpanProcessor(
        Policy(budgets=Budgets(max_tool_calls_run=0)),
        on_cut=lambda e: (_ for _ in ()).throw(ValueError("hook failed")),
    )
    provider.add_span_processor(guard)
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("execute_tool a", attributes={"gen_ai.operation.name": "execute_tool"}):
        pass  # the cut's hook raised: logged
    assert guard.should_stop(next(iter(guard._runs)))
    monkeypatch.setattr(gs, "map_span", broken)
    with tracer.start_as_current_span("execute_tool b", attributes={"gen_ai.operation.name": "execute_tool"}):
        pass
    assert guard.errors == 2  # the span's start and its end
    assert "hook failed" in caplog.text and "mapping failed" in caplog.text


def test_the_span_guard_imports_nothing_heavy() -> None:
    code = (
        "import sys, workbench.guard_spans; "
        "print(sorted(m for m in ('duckdb', 'pandas', 'numpy', 'pyarrow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_spans_that_say_what_they_are_only_at_their_end_are_checked_then(tmp_path: Path) -> None:
    # OpenInference's LangChain instrumentation starts each span with its name only and sets every attribute
    # when the run ends: a tool call is known as one only then. It is counted then (a cut there comes after
    # the call ran: the hook hears it, the next step can be stopped), as the backtest counts it.
    policy = Policy(budgets=Budgets(max_tool_calls_run=1))
    cuts: list[SpanDecision] = []
    guard = GuardSpanProcessor(policy, on_cut=cuts.append)
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("openinference.instrumentation.langchain")
    with tracer.start_as_current_span("LangGraph") as root:
        for i in range(3):
            with tracer.start_as_current_span("get_stock") as tool:
                tool.set_attributes({"openinference.span.kind": "TOOL", "input.value": f'{{"sku": "W-{i}"}}'})
        root.set_attribute("openinference.span.kind", "CHAIN")
    tools = [s for s in memory.get_finished_spans() if s.name == "get_stock"]
    assert [(c.step_id, c.rule, c.phase) for c in cuts] == [
        (f"{tools[1].context.span_id:016x}", "max_tool_calls_run", "end")
    ]
    said, _ = _backtest(policy, memory, tmp_path)
    assert said == {(cuts[0].run_id, cuts[0].step_id, "cut", "max_tool_calls_run")}


def test_measured_peaks_read_the_run_as_the_backtest_does(tmp_path: Path) -> None:
    # suggest_limits learns limits from run_peaks: it measured the planner's agent span echoing its last reply as
    # a second reply (peak 2), so a limit of 1 named the run as stopped while the backtest let it through
    from workbench.policy._propose import run_peaks

    _, _, memory, _ = _live(Policy(), "start", lookups=0)
    _, report = _backtest(Policy(loops=Loops(max_repeated_replies=1)), memory, tmp_path)
    ws = wb.open()
    ws.ingest(tmp_path / "spans.otlp.jsonl", progress=False)
    peaks = run_peaks(ws, unknown=True)
    assert peaks["max_repeated_replies"].tolist() == [1]
    assert report.runs["decision"].tolist() == ["allowed"]


FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures"
# Real framework runs checked in beside the readers' tests (each directory's README says how it was made)
REAL = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.otlp.jsonl"))
# ... and Mastra's gzipped captures (real56: a supervisor's sub-agents, a retried tool error, a ping-pong)
REAL += sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("mastra/*.otlp.jsonl.gz"))
# (ADK 2.x's legacy schema writes one model call twice, call_llm around generate_content: the store keeps the call
# as one step under call_llm's id, store/sql/same_call_llm.sql, and the guard judges the inner span with its parent,
# naming call_llm's id too: test_guard16_same_call.py)


# The policies each real trace is played under (their backtest over the trace's runs, labelled failed). (guard56:
# the hand-off breaker, whose turns Agent Framework's deliveries to idle executors made live and not in the store;
# bench/guard_agreement.py plays every rule of the schema over every fixture)
REAL_POLICIES = (
    POLICIES["hitl"],
    Policy(breakers=Breakers(max_run_latency_ms=50.0)),
    Policy(loops=Loops(max_repeated_replies=1)),
    Policy(budgets=Budgets(max_tool_calls_run=1)),
    Policy(breakers=Breakers(max_handoffs=2)),
)


@pytest.fixture(scope="module")
def real_backtests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[set]]:
    """Per file of REAL: what the backtest of each of REAL_POLICIES says of the file's runs (run, step, action, rule;
    not allowed, and no step the span guard never sees), every run labelled failed (the backtest leaves out a run of
    unknown outcome). The files are read in a few stores, not a store a file (0.48 CPU s a file, mostly an ingest's
    and a label's fixed cost): files naming no trace in common in one ingest call (tests/ingest/_reader_agreement.py's
    batches: then a run's rows, and so its backtest, are its file's own), each backtest run once a store, each
    file's runs told by their steps' file. The same sets as a store a file (suite50's notes: 82 files x 4 policies)."""
    sys.path.insert(0, str(FIXTURES.parent))
    from _reader_agreement import independent_batches

    paths = [FIXTURES / t for t in REAL]
    out: dict[str, list[set]] = {}
    for n, batch in enumerate(independent_batches([[p] for p in paths])):
        ws = wb.open()
        ws.ingest([paths[i] for i in batch], progress=False)
        labels = tmp_path_factory.mktemp("labels") / f"{n}.jsonl"
        labels.write_text(
            "".join(json.dumps({"run_id": r, "outcome": "failure"}) + "\n" for r in ws.runs()["run_id"])
        )
        ws.label_file(labels)
        # (a tool call no span traced, read out of the chat messages at ingest (ingest/_message_tools.py:
        # OpenLLMetry's CrewAI), is a step of the store that the span guard never sees: the backtest judges it, the
        # live guard cannot, and the README says so)
        unseen = {
            s
            for (s,) in ws.sql(
                "SELECT step_id FROM steps WHERE contains(attributes, ?)", ["workbench.tool_call_from"]
            ).fetchall()
        }
        pairs = ws.sql("SELECT DISTINCT run_id, file FROM steps").fetchall()
        file_of = dict(pairs)
        assert len(file_of) == len(pairs), (
            "a run of two files in one batch"
        )  # (the batches name no id in common)
        said = [
            {
                (r, s, a, rule)
                for r, s, _q, _p, a, rule in wb.backtest(policy, ws, steps=True).steps.itertuples(
                    index=False, name=None
                )
                if a != "allow" and s not in unseen
            }
            for policy in REAL_POLICIES
        ]
        for i in batch:
            runs = {r for r, f in file_of.items() if f == str(paths[i])}
            out[REAL[i]] = [{d for d in each if d[0] in runs} for each in said]
        ws.close()
    return out


@pytest.mark.parametrize("trace", REAL)
def test_real_framework_traces_played_through_the_sdk_decide_as_the_backtest(
    trace: str, real_backtests: dict[str, list[set]]
) -> None:
    # Real traces (Google ADK, Microsoft Agent Framework, Agno, LangGraph.js, OpenLIT over openai-agents,
    # pydantic-ai, Vercel AI SDK, ...), each span started and ended through the SDK in time order with the file's ids
    from _otlp_replay import replay

    # The file played once through one processor per policy on its providers (a processor only reads the spans:
    # each hears them as if alone), not once per policy
    heard: list[list[SpanDecision]] = [[] for _ in REAL_POLICIES]
    replay(
        FIXTURES / trace,
        [
            GuardSpanProcessor(policy, on_cut=told.append, on_escalate=told.append)
            for policy, told in zip(REAL_POLICIES, heard, strict=True)
        ],
    )
    decided = 0
    for policy, told, said in zip(REAL_POLICIES, heard, real_backtests[trace], strict=True):
        assert {(e.run_id, e.step_id, e.action, e.rule) for e in told} == said, policy
        decided += len(said)
    assert decided  # (a run nothing stopped would check nothing)


def test_traces_that_continue_another_by_a_link_are_its_run(tmp_path: Path) -> None:
    # autogen-core opens every message hop as the root of a new trace linked to the sender's span; the store
    # reads those traces as one run (ingest/_links.py): a messaging hop stays a root, any other root is a call
    # under the linked span. The processor joins them alike, so the run's budget counts all their tool calls.
    from opentelemetry.trace import Link, SpanKind

    policy = Policy(budgets=Budgets(max_tool_calls_run=2))
    heard: list[SpanDecision] = []
    guard = GuardSpanProcessor(policy, on_cut=heard.append)
    provider, memory = provider_with(guard)
    tracer = provider.get_tracer("autogen-core")
    empty = trace_api.set_span_in_context(trace_api.INVALID_SPAN)
    tool = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search"}
    with tracer.start_as_current_span(
        "invoke_agent writer",
        context=empty,
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "writer"},
    ) as first:
        with tracer.start_as_current_span(
            "execute_tool search", attributes={**tool, "gen_ai.tool.call.arguments": "1"}
        ):
            pass
    with tracer.start_as_current_span(
        "autogen publish group", context=empty, kind=SpanKind.PRODUCER, links=[Link(first.get_span_context())]
    ) as hop:
        with tracer.start_as_current_span(
            "execute_tool search", attributes={**tool, "gen_ai.tool.call.arguments": "2"}
        ):
            pass
    with tracer.start_as_current_span(
        "invoke_agent critic",
        context=empty,
        links=[Link(hop.get_span_context())],
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "critic"},
    ):
        with tracer.start_as_current_span(
            "execute_tool search", attributes={**tool, "gen_ai.tool.call.arguments": "3"}
        ):
            pass
    traces = {s.context.trace_id for s in memory.get_finished_spans()}
    assert len(traces) == 3
    said, report = _backtest(policy, memory, tmp_path)
    assert len(report.runs) == 1 and report.runs["cut_rule"].tolist() == ["max_tool_calls_run"]
    assert {(e.run_id, e.step_id, e.action, e.rule) for e in heard} == said
    assert guard.should_stop(first.get_span_context().trace_id)

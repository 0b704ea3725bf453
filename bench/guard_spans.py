"""What GuardSpanProcessor costs per span, against a baseline tree, in alternating child processes.

Usage::

    python bench/guard_spans.py --baseline-python /work/wt/base/.venv/bin/python --baseline-tree /work/wt/base
    python bench/guard_spans.py --spans 20000 --pairs 3

Each child builds an OpenTelemetry ``TracerProvider`` and writes runs of GenAI spans (an agent span over 99
pairs of an LLM call whose reply is set as it ends and a tool call with arguments at its start and a result
at its end), with either a no-op ``SpanProcessor`` (the floor: what the SDK costs) or the tree's
``GuardSpanProcessor`` (a policy with every limit loose, so every span is checked in full). Children run in
the order A, B, B, A … (A: the baseline tree, B: this one), so load from other processes falls on both.
Prints a markdown table of CPU seconds (the process's own, what other processes sharing the cores do not
change) and wall seconds per child, the µs of CPU per span, and the load average.

``--open 10,100,1000`` measures instead what a span's start or end costs while that many spans of Haystack's own
tracing are open in one run (a wide run: parallel tool calls, a pipeline's components): each child opens them
(no attribute at the start, the tags right after, as Haystack's tracer does), then times 1,000 events (500
short spans started and ended under the run's root) and prints the CPU seconds per 1k events by open spans. A
guard that looks at every open span on every event grows with the width; one that keeps the spans still
waiting for their tags apart does not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
TREE = HERE.parents[1]


def child(mode: str, spans: int) -> dict[str, float]:
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    from workbench.guard_spans import GuardSpanProcessor
    from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy

    provider = TracerProvider()
    if mode == "guard":
        policy = Policy(
            budgets=Budgets(max_tool_calls_run=10**9, max_retries=10**9),
            loops=Loops(max_repeats=10**9, max_repeated_replies=10**9),
            breakers=Breakers(max_depth=50),
            hitl=(HitlRule("latency_ms", 1e9),),
        )
        provider.add_span_processor(GuardSpanProcessor(policy, on_escalate=lambda e: None))
    else:
        provider.add_span_processor(SpanProcessor())
    tracer = provider.get_tracer("bench")
    replies = [
        json.dumps(
            [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": f"step {i} of the plan, checking the stock"}],
                }
            ]
        )
        for i in range(99)
    ]
    args = [json.dumps({"sku": i}) for i in range(99)]
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(spans // 199):
        with tracer.start_as_current_span(
            "invoke_agent a", attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "a"}
        ):
            for i in range(99):
                with tracer.start_as_current_span(
                    "chat m", attributes={"gen_ai.operation.name": "chat"}
                ) as s:
                    s.set_attribute("gen_ai.output.messages", replies[i])
                with tracer.start_as_current_span(
                    "execute_tool t",
                    attributes={
                        "gen_ai.operation.name": "execute_tool",
                        "gen_ai.tool.name": "t",
                        "gen_ai.tool.call.arguments": args[i],
                    },
                ) as s:
                    s.set_attribute("gen_ai.tool.call.result", '{"units": 3}')
    return {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "spans": spans // 199 * 199}


def wide_child(open_spans: int, events: int = 1000) -> dict[str, float]:
    from opentelemetry import trace as trace_api
    from opentelemetry.sdk.trace import TracerProvider

    from workbench.guard_spans import GuardSpanProcessor
    from workbench.policy import Breakers, Budgets, Loops, Policy

    provider = TracerProvider()
    policy = Policy(
        budgets=Budgets(max_tool_calls_run=10**9, max_retries=10**9),
        loops=Loops(max_repeats=10**9),
        breakers=Breakers(max_depth=50),
    )
    provider.add_span_processor(GuardSpanProcessor(policy, on_escalate=lambda e: None))
    tracer = provider.get_tracer("haystack")
    root = tracer.start_span("haystack.agent.run")
    root.set_attributes({"haystack.agent.max_steps": 10})
    ctx = trace_api.set_span_in_context(root)
    tool = {"haystack.tool.name": "fetch", "haystack.tool.description": "The fetch tool."}
    wide = []
    for i in range(open_spans):
        s = tracer.start_span("haystack.agent.step.tool", context=ctx)
        s.set_attributes({**tool, "haystack.agent.step.tool.input": json.dumps({"item": i})})
        wide.append(s)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(events // 2):
        s = tracer.start_span("haystack.agent.step.tool", context=ctx)
        s.set_attributes({**tool, "haystack.agent.step.tool.input": json.dumps({"item": -1 - i})})
        s.end()
    out = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "events": events // 2 * 2}
    for s in wide:
        s.end()
    root.end()
    return out


def wide(opts: argparse.Namespace) -> None:
    widths = [int(w) for w in opts.open.split(",")]
    print(f"load average before: {os.getloadavg()[0]:.1f}; 1,000 events a child\n")
    print("| side | open spans | CPU s / 1k events | wall s |")
    print("|---|---|---|---|")
    for width in widths:
        for side, (python, tree) in _sides(opts, opts.pairs):
            r = _child(python, tree, "wide", "--open", str(width))
            print(f"| {side} | {width} | {r['cpu'] / r['events'] * 1000:.3f} | {r['wall']:.2f} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


def _child(python: str, tree: str, mode: str, *args: str) -> dict:
    """One measurement in a fresh process of the given tree: its last line's JSON."""
    out = subprocess.run(
        [python, str(HERE), "--child", mode, *args, "--tree", tree],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=tree),
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _sides(opts: argparse.Namespace, pairs: int) -> list[tuple[str, tuple[str, str]]]:
    """The children's order, A B B A …: (side, (python, tree)) each."""
    sides = {
        "A (baseline)": (opts.baseline_python, opts.baseline_tree),
        "B (this tree)": (sys.executable, str(TREE)),
    }
    order = [
        s for _ in range(pairs) for s in ("A (baseline)", "B (this tree)", "B (this tree)", "A (baseline)")
    ]
    return [(s, sides[s]) for s in order[: 2 * pairs]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--baseline-python", default="/work/wt/base/.venv/bin/python")
    parser.add_argument("--baseline-tree", default="/work/wt/base")
    parser.add_argument("--noop", action="store_true", help="also a no-op SpanProcessor (the SDK's own cost)")
    parser.add_argument("--open", help="open spans of one run, comma-separated (the wide-run measure)")
    parser.add_argument("--child", choices=("guard", "noop", "wide"))
    parser.add_argument("--tree")
    opts = parser.parse_args()
    if opts.child:
        sys.path.insert(0, opts.tree)
        if opts.child == "wide":
            print(json.dumps(wide_child(int(opts.open))))
        else:
            print(json.dumps(child(opts.child, opts.spans)))
        return
    if opts.open:
        wide(opts)
        return
    sides = {
        "A (baseline)": (opts.baseline_python, opts.baseline_tree),
        "B (this tree)": (sys.executable, str(TREE)),
    }
    order = [
        s
        for _ in range(opts.pairs)
        for s in ("A (baseline)", "B (this tree)", "B (this tree)", "A (baseline)")
    ]
    order = order[: 2 * opts.pairs]
    modes = ["guard", "noop"] if opts.noop else ["guard"]
    print(f"load average before: {os.getloadavg()[0]:.1f}; {opts.spans} spans a child\n")
    print("| side | processor | CPU s | wall s | µs CPU / span |")
    print("|---|---|---|---|---|")
    for mode in modes:
        for side in order:
            python, tree = sides[side]
            r = _child(python, tree, mode, "--spans", str(opts.spans))
            print(
                f"| {side} | {mode} | {r['cpu']:.2f} | {r['wall']:.2f} | {r['cpu'] / r['spans'] * 1e6:.1f} |",
                flush=True,
            )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

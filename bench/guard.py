"""Runtime guard benchmark: what one step check costs, and what a run costs in memory.

Usage::

    python bench/guard.py                # 200k steps per scenario
    python bench/guard.py --steps 50000
    python bench/guard.py --outputs      # steps hand over their outputs (the text-reading rules)

A synthetic run mixes LLM steps (with confidence and entropy) and tool calls (with argument dicts)
over five agents, through a policy with every kind of rule set and two HITL rules (loose enough that
nothing is cut, so every step is checked in full). Scenarios: ``before_step`` + ``after_step`` on one
thread; the same from 4 threads on 4 runs each; the ``with guard.step(...)`` context manager; calls of a
``guard.wrap``-ped plain tool and of an awaited async one (one event loop, no sleeps); and a
baseline of two plain Python calls with the same arguments (the floor any in-process hook pays).
With ``--outputs`` every step also hands over what it said (an LLM reply of about 150 characters,
a tool result as a dict) and the policy sets ``max_repeated_replies``: the cost of the ping-pong and
repeated-reply rules reading text. Prints a markdown table: scenario, steps, seconds, µs per step (before + after), steps/s, ratio to
the baseline, and the memory one run keeps after 100k steps (tracemalloc).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.guard import Guard  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy  # noqa: E402

AGENTS = ("planner", "retriever", "pricer", "executor", "verifier")
POLICY = Policy(
    breakers=Breakers(max_depth=50, max_handoffs=10**9, max_step_latency_ms=1e12, max_run_latency_ms=1e15),
    budgets=Budgets(max_tool_calls_run=10**9, max_tool_calls_agent=10**9, max_retries=10**9),
    loops=Loops(max_repeats=10**9, window=20, max_pingpong=10**9),
    # (rules read on every step that never fire: the steps' confidence is 0.5 or more; a threshold below 0 is refused)
    hitl=(HitlRule("confidence", 0.0), HitlRule("entropy", 1e9, agent="pricer")),
)


def steps(n: int) -> list[tuple]:
    out = []
    for i in range(n):
        agent = AGENTS[(i // 7) % 5]
        if i % 3 == 0:
            out.append((agent, "tool", "get_price", {"sku": f"SKU-{i % 50:03d}", "qty": i % 7}, None, None))
        else:
            out.append((agent, "llm", None, None, 0.5 + (i % 10) / 25, 0.1 + (i % 13) / 10))
    return out


def with_outputs(seq: list[tuple]) -> list[tuple]:
    out = []
    for i, (agent, kind, tool, args, conf, ent) in enumerate(seq):
        if kind == "tool":
            said: object = {"sku": args["sku"], "price": round(3 + i % 97 / 7, 2), "stock": i % 40}
        else:
            said = (
                f"{agent} checked SKU-{i % 50:03d} against the budget: the price is {i % 97}.{i % 100:02d} "
                f"per unit, {i % 40} units are in stock, and the order of step {i} can go ahead."
            )
        out.append((agent, kind, tool, args, conf, ent, said))
    return out


def run_guard(guard: Guard, run_id: str, seq: list[tuple]) -> None:
    before, after = guard.before_step, guard.after_step
    if seq and len(seq[0]) == 7:
        for agent, kind, tool, args, conf, ent, said in seq:
            before(run_id, agent, kind, tool, args, depth=2)
            after(
                run_id,
                agent,
                kind,
                tool,
                args,
                status="ok",
                latency_ms=12.0,
                confidence=conf,
                entropy=ent,
                output=said,
            )
        return
    for agent, kind, tool, args, conf, ent in seq:
        before(run_id, agent, kind, tool, args, depth=2)
        after(run_id, agent, kind, tool, args, status="ok", latency_ms=12.0, confidence=conf, entropy=ent)


def run_baseline(seq: list[tuple]) -> None:
    def before(run_id, agent, kind, tool=None, args=None, *, depth=None):
        return None

    def after(
        run_id,
        agent,
        kind,
        tool=None,
        args=None,
        *,
        status="ok",
        latency_ms=None,
        confidence=None,
        entropy=None,
    ):
        return None

    for agent, kind, tool, args, conf, ent, *_said in seq:
        before("r", agent, kind, tool, args, depth=2)
        after("r", agent, kind, tool, args, status="ok", latency_ms=12.0, confidence=conf, entropy=ent)


def run_scoped(guard: Guard, seq: list[tuple]) -> None:
    for agent, kind, tool, args, conf, ent, *_said in seq:
        with guard.step("r", agent, kind, tool, args, depth=2) as s:
            s.confidence, s.entropy = conf, ent


def _noop(**kwargs: object) -> None:
    return None


async def _anoop(**kwargs: object) -> None:
    return None


def _wrapped_tools(guard: Guard, seq: list[tuple], fn) -> list:
    """Each step's ``guard.wrap`` of ``fn`` (one per agent, kind and tool, made before timing) and its arguments."""
    made: dict = {}
    return [
        (made.setdefault((agent, kind, tool), guard.wrap(agent, kind, tool)(fn)), args or {})
        for agent, kind, tool, args, *_rest in seq
    ]


def run_wrapped(guard: Guard, calls: list) -> None:
    with guard.run("w"):
        for fn, args in calls:
            fn(**args)


def run_wrapped_async(guard: Guard, calls: list) -> None:
    import asyncio

    async def main() -> None:
        with guard.run("w"):
            for fn, args in calls:
                await fn(**args)

    asyncio.run(main())


def timed(fn) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of this process (all threads): the CPU figure is what a step
    costs when other processes share the machine's cores."""
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--outputs", action="store_true", help="steps hand over what they said")
    opts = parser.parse_args()
    n = opts.steps
    seq = steps(n)
    if opts.outputs:
        global POLICY
        POLICY = POLICY.replace(
            loops=Loops(max_repeats=10**9, window=20, max_pingpong=10**9, max_repeated_replies=10**9)
        )
        seq = with_outputs(seq)
    rows = []
    base = timed(lambda: run_baseline(seq))
    rows.append(("baseline: two no-op calls", n, base))
    rows.append(("guard, 1 thread", n, timed(lambda: run_guard(Guard(POLICY), "r", seq))))
    guard = Guard(POLICY)
    per = n // 4
    threads = [threading.Thread(target=run_guard, args=(guard, f"r{k}", seq[:per])) for k in range(4)]

    def threaded() -> None:
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    rows.append(("guard, 4 threads x 1 run", per * 4, timed(threaded)))
    rows.append(("guard.step context manager", n, timed(lambda: run_scoped(Guard(POLICY), seq))))
    g = Guard(POLICY)
    calls = _wrapped_tools(g, seq, _noop)
    rows.append(("guard.wrap of a plain tool", n, timed(lambda: run_wrapped(g, calls))))
    g = Guard(POLICY)
    calls = _wrapped_tools(g, seq, _anoop)
    rows.append(("guard.wrap of an async tool (awaited)", n, timed(lambda: run_wrapped_async(g, calls))))

    tracemalloc.start()
    g = Guard(POLICY)
    snap0 = tracemalloc.take_snapshot()
    run_guard(g, "mem", with_outputs(steps(100_000)) if opts.outputs else steps(100_000))
    held = sum(s.size for s in tracemalloc.take_snapshot().compare_to(snap0, "filename") if s.size > 0)
    tracemalloc.stop()

    load = os.getloadavg()
    print(
        f"guard benchmark, Python {sys.version.split()[0]}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        f" on {os.cpu_count()} cores\n"
    )
    print(
        "| scenario | steps | wall s | wall µs/step (before + after) | CPU µs/step | steps/s (wall) "
        "| CPU ratio to baseline |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, k, (secs, cpu) in rows:
        print(
            f"| {name} | {k:,} | {secs:.2f} | {secs / k * 1e6:.2f} | {cpu / k * 1e6:.2f} | {k / secs:,.0f} "
            f"| {(cpu / k) / (base[1] / n):.1f} |"
        )
    print(
        f"\nmemory one run keeps after 100,000 steps: {held / 1024:.1f} KiB (bounded: window of "
        f"{POLICY.loops.window} calls, ≤ 512 call outcomes, ≤ 256 agents)"
    )


if __name__ == "__main__":
    main()

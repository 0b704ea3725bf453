"""What building an IncidentExplorer costs on a small store: the CPU a user (and every explorer test) pays per view.

Usage::

    python bench/explorer_build.py                                                   # this checkout only
    python bench/explorer_build.py --baseline-python /work/wt/base33/.venv/bin/python --n 7
    python bench/explorer_build.py --baseline-src /tmp/base --n 3    # beside another checkout's package

The store: ``--runs`` simulated procurement runs (seed 1, fault rate 0.7: the newest failed, so the explorer opens
on a failed run and its log-only verdict is scored with the pretrained model), ingested and detected. Each
interpreter runs in a fresh process of its own (``--baseline-python``: another checkout's venv, which imports that
checkout's package), the two alternating case by case. A process builds one explorer left uncounted (imports, the
pretrained model's first load), then ``--n`` builds; the table gives the median CPU ms of a build (user + system of
the whole process, DuckDB's threads included: ``time.process_time``) and the process's peak RSS. The cases:

* ``new store``: each build on a store of its own (the same runs ingested again, not counted): a notebook opened
  fresh, a test's own store;
* ``same store``: each build on one store: a cell run again, a second view of the same store;
* ``long run``: a store of one run of ``--steps`` steps (4,999: a coding agent's session), written as a native JSONL
  file and ingested, each build on a store of its own (its log-only verdict scored each time): four agents taking
  turns at LLM and tool calls under the run's root, 3 % of the tool calls raising, hand-off edges, logprobs, the run
  failed. The explorer shows 2,000 of its moves (explore56: around its first error, flagged moves and end, then its
  first moves);
* ``very long run``: the same, ``--very-long`` steps (20,000);
* ``deep chain``: a store of one OTLP trace of ``--steps`` + 1 spans each the parent of the next (attack55's
  case: every step a scope span but the last), each build on a store of its own; its outcome unknown, no verdict.

No event loop runs, so the opened run's attribution is computed inside the build (in a notebook it waits for the
cell's end). The ratio is baseline over ours (>1: ours is cheaper). 2 shared cores: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child_bench import figures, load, measure, table  # noqa: E402

CASES = ("new store", "same store", "long run", "very long run", "deep chain")
LONG = ("long run", "very long run", "deep chain")


def _store(runs: int, path: Path | None = None):  # noqa: ANN202
    import workbench as wb

    ws = wb.open()
    ws.ingest(path or wb.sim.procurement(seed=1, fault_rate=0.7).generate(runs), progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws


def _long_run(path: Path, steps: int) -> None:
    """One coding-agent run of ``steps`` steps as native JSONL: a root, then four agents' LLM and tool calls."""
    rnd = random.Random(7)
    t, ms = 1_767_225_600_000_000_000, 1_000_000
    agents = ["planner", "coder", "tester", "reviewer"]
    lines = [
        {
            "record": "run",
            "run_id": "long-run",
            "system": "coder",
            "task": "fix the build",
            "outcome": "failure",
        }
    ]
    lines.append(
        {"run_id": "long-run", "step_id": "root", "agent": "orchestrator", "kind": "system", "started_at": t}
    )
    for i in range(1, steps):
        agent, kind, took = agents[(i // 7) % 4], "llm" if i % 3 else "tool", rnd.randint(50, 3000) * ms
        raised = kind == "tool" and rnd.random() < 0.03
        step = {
            "run_id": "long-run",
            "step_id": f"s{i:05d}",
            "parent_id": "root",
            "agent": agent,
            "kind": kind,
            "name": "chat" if kind == "llm" else rnd.choice(["bash", "read_file", "edit", "pytest"]),
            "started_at": t,
            "ended_at": t + took,
            "status": "error" if raised else "ok",
            "input": f"step {i} " + "x" * rnd.randint(10, 400),
            "output": f"step {i} " + "y" * rnd.randint(10, 600),
        }
        if kind == "llm":
            top = [{"token": "a", "logprob": -rnd.random()}, {"token": "b", "logprob": -2.0}]
            step.update(model="gpt-4o", tokens_in=rnd.randint(100, 4000), tokens_out=rnd.randint(10, 500))
            step["logprobs"] = [{"token": "a", "logprob": top[0]["logprob"], "top_logprobs": top}] * 3
        if raised:
            step["error"] = "Traceback (most recent call last):\n  ...\nRuntimeError: command failed"
        lines.append(step)
        if i > 1 and agents[((i - 1) // 7) % 4] != agent:
            lines.append(
                {
                    "record": "edge",
                    "run_id": "long-run",
                    "src_step": f"s{i - 1:05d}",
                    "dst_step": step["step_id"],
                }
                | {"kind": "handoff"}
            )
        t += took + rnd.randint(1, 200) * ms
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


def _deep_chain(path: Path, steps: int) -> None:
    """One OTLP trace of ``steps`` + 1 spans, each the parent of the next (three agents in turn)."""

    def span(i: int) -> dict:
        s = {
            "traceId": "000102030405060708090a0b0c0d0e0f",
            "spanId": f"{i:016x}",
            "name": f"s{i}",
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(1_796_000_000_000_000_000 + i * 1000),
            "endTimeUnixNano": str(1_796_000_000_000_000_000 + i * 1000 + 500),
            "attributes": [{"key": "gen_ai.agent.name", "value": {"stringValue": f"ag{i % 3}"}}] if i else [],
            "status": {},
        }
        return s | ({"parentSpanId": f"{i - 1:016x}"} if i else {})

    doc = {
        "resourceSpans": [
            {"scopeSpans": [{"scope": {"name": "x"}, "spans": [span(i) for i in range(steps + 1)]}]}
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def child(case: str, runs: int, n: int, steps: int) -> dict:
    from workbench.widgets import IncidentExplorer

    path = None
    if case in LONG:
        path = Path(tempfile.mkdtemp()) / ("deep.otlp.jsonl" if case == "deep chain" else "long.jsonl")
        (_deep_chain if case == "deep chain" else _long_run)(path, steps)
        IncidentExplorer(_store(2))  # (imports, the pretrained model's first load: not counted)
    ws = _store(runs, path)
    first = IncidentExplorer(ws)
    opened = first.run_id
    cpu = []
    for _ in range(n):
        here = ws if case == "same store" else _store(runs, path)
        c0 = time.process_time()
        ex = IncidentExplorer(here)
        cpu.append(time.process_time() - c0)
        assert ex.run_id == opened, (ex.run_id, opened)
        if case != "deep chain":
            assert "Log-only BlameModel" in ex.verdict.value, ex.verdict.value[:200]
        if case in ("long run", "very long run"):  # (the baseline's header: "the first 2,000 of …")
            assert f"2,000 of {steps - 1:,}" in ex.header.value, ex.header.value[-300:]
    return figures(cpu, opened=opened, moves=len(ex.steps))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--n", type=int, default=7)
    parser.add_argument("--steps", type=int, default=4999)
    parser.add_argument("--very-long", type=int, default=20000)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--baseline-python", default=None)
    parser.add_argument("--baseline-src", default=None)
    parser.add_argument("--child", default=None, choices=CASES)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.runs, args.n, args.steps)))
        return
    baseline = args.baseline_python or args.baseline_src
    print(
        f"IncidentExplorer build, {args.runs} runs (long run, deep chain: {args.steps} steps), median of {args.n} "
        f"builds a case; load {load()}\nours {sys.executable}; baseline {baseline or '-'}\n"
    )
    more = ["--runs", str(args.runs), "--n", str(args.n)]

    def steps(case: str) -> list[str]:
        return ["--steps", str(args.very_long if case == "very long run" else args.steps)]

    table(
        "case",
        args.cases,
        lambda case: measure(__file__, case, more + steps(case)),
        (
            lambda case: measure(
                __file__, case, more + steps(case), python=args.baseline_python, src=args.baseline_src
            )
        )
        if baseline
        else None,
        shown=[("moves shown", "moves")],
        same="opened",
    )


if __name__ == "__main__":
    main()

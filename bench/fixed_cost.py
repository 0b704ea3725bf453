"""The fixed cost of one call on a tiny store: ingest, detect, attribute, ``workbench investigate``.

Usage::

    python bench/fixed_cost.py                                      # this checkout only, N = 10
    python bench/fixed_cost.py --baseline-python /work/wt/base33/.venv/bin/python --n 10
    python bench/fixed_cost.py --kinds detect5 attribute3 --n 20
    python bench/fixed_cost.py --kinds otlp5 otlp5again --rounds 3 --baseline-python <venv>/bin/python

Each call kind runs in a fresh process of its own (its peak RSS is its own), for this checkout's interpreter
and, beside it in the same invocation, the baseline's (``--baseline-python``: another checkout's venv, which
imports that checkout's package), alternating kind by kind. A process makes one call left uncounted (imports,
first plans), then ``--n`` calls; the table gives the median CPU ms of a call (user + system of the whole
process, DuckDB's threads included: ``time.process_time``), the peak RSS of the process, and the statements sent
through the workspace's connection per call (``execute``, ``executemany``, ``sql``, ``query`` on it and on its
cursors, counted by wrapping the connection here, not in the product). The ratio is baseline over ours (>1: ours
is cheaper).

The kinds, on inputs this script writes itself:

* ``open``: ``wb.open()`` in memory and ``close()``;
* ``ingest5``: one ``ws.ingest(file)`` of a 5-step native JSONL run (3 agents) into a fresh store in memory
  (its opening and closing counted too);
* ``ingest5sql``: the same through the native reader's SQL path (``_jsonio.SQL_MIN_BYTES`` set to 0 in the
  process: a small file takes the Python reader once pyarrow is loaded);
* ``otlp5`` and ``otlp5sql``: the same 5 steps as OTLP JSON lines (one span a line), one ``ws.ingest(file)`` into a
  fresh store in memory, by the OTLP reader's Python and SQL paths;
* ``ingest5again`` and ``otlp5again``: the same file ingested a second time into the workspace that holds it (the
  repeat every idempotent re-run and live-capture flush of the same spans pays: each step compared with the stored
  one, nothing added); the workspace's open and first ingest not counted, its close counted;
* ``detect5``: ``wb.detect(ws)`` on a store of 5 simulated runs (26 steps each), detected before;
* ``detect5first``: the first ``wb.detect(ws)`` of a fresh workspace in memory holding those 5 runs (its open and
  ingest not counted): what every test or notebook that opens a store and detects pays once;
* ``attribute3``: ``attribute(ws, run, replay)`` of a failed run of 3 agents (2 model calls each), replayed by a
  table (``TableReplay``: one agent and one step make it fail), stored;
* ``investigate5``: ``workbench investigate FILE --quiet`` on the 5-step file, in this process (fresh store in
  memory each call);
* ``frame50`` and ``predict50``: ``BlameModel().frame`` and ``BlameModel.pretrained().predict`` (the model loaded
  once) of every run of a store of 50 simulated runs that ``wb.detect`` has run on once before (every run
  detected, 43 found with nothing): what the explorer and every ``detect="auto"`` call pay;
* ``ingest5@1000`` and ``detect@1000``: the same 5-step ingest (a new run each call) into a store of 1,000
  simulated runs, and ``wb.detect`` of that whole store: a cut for small stores must not slow big ones.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

KINDS = (
    "open",
    "ingest5",
    "ingest5sql",
    "otlp5",
    "otlp5sql",
    "ingest5again",
    "otlp5again",
    "detect5first",
    "detect5",
    "attribute3",
    "investigate5",
    "frame50",
    "predict50",
    "ingest5@1000",
    "detect@1000",
)
# calls of the medium store's kinds (each costs seconds)
MEDIUM_N = 3
T0 = 1_767_225_600_000_000_000


def five_steps(run_id: str) -> list[dict]:
    """A failed run of 3 agents in 5 steps (a root, then planner, researcher, writer; the writer's answer
    in error)."""
    steps = [
        ("root", None, None, "system", "error"),
        ("s1", "root", "planner", "llm", "ok"),
        ("s2", "root", "researcher", "tool", "ok"),
        ("s3", "root", "researcher", "llm", "ok"),
        ("s4", "root", "writer", "llm", "error"),
    ]
    recs: list[dict] = [{"record": "run", "run_id": run_id, "outcome": "failure", "system": "bench"}]
    for i, (sid, parent, agent, kind, status) in enumerate(steps):
        recs.append(
            {
                "record": "step",
                "run_id": run_id,
                "step_id": sid,
                "seq": i,
                "parent_id": parent,
                "agent": agent,
                "kind": kind,
                "name": f"{agent or 'run'}.{kind}",
                "status": status,
                "started_at": T0 + i * 10**9,
                "ended_at": T0 + (i + 1) * 10**9 if sid != "root" else T0 + 10**10,
                "input": {"text": f"step {i} of the task: price 12 widgets"},
                "output": {"text": "the total is 41.20 USD" if sid == "s4" else f"done {i}"},
                **({"error": "writer failed to format the quote"} if status == "error" else {}),
            }
        )
    return recs


def write_five_otlp(path: Path, run_id: str = "bench-5") -> Path:
    """The 5 steps of :func:`five_steps` as OTLP JSON lines (GenAI semantic conventions), one span a line."""
    trace = (run_id.encode().hex() + "0" * 32)[:32]
    lines = []
    for rec in five_steps(run_id)[1:]:
        attrs = [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat" if rec["kind"] == "llm" else
                  "execute_tool" if rec["kind"] == "tool" else "invoke_agent"}}]  # fmt: skip
        if rec["agent"]:
            attrs.append({"key": "gen_ai.agent.name", "value": {"stringValue": rec["agent"]}})
        attrs.append({"key": "gen_ai.prompt", "value": {"stringValue": rec["input"]["text"]}})
        attrs.append({"key": "gen_ai.completion", "value": {"stringValue": rec["output"]["text"]}})
        span = {
            "traceId": trace,
            "spanId": (rec["step_id"].encode().hex() + "0" * 16)[:16],
            "name": rec["name"],
            "startTimeUnixNano": str(rec["started_at"]),
            "endTimeUnixNano": str(rec["ended_at"]),
            "attributes": attrs,
            "status": {"code": 2, "message": rec["error"]} if rec["status"] == "error" else {"code": 1},
        }
        if rec["parent_id"]:
            span["parentSpanId"] = (rec["parent_id"].encode().hex() + "0" * 16)[:16]
        lines.append(
            {
                "resourceSpans": [
                    {
                        "resource": {
                            "attributes": [{"key": "service.name", "value": {"stringValue": "bench"}}]
                        },
                        "scopeSpans": [{"scope": {"name": "bench"}, "spans": [span]}],
                    }
                ]
            }
        )
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def write_five(path: Path, run_id: str = "bench-5") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in five_steps(run_id)))
    return path


def three_agents():  # noqa: ANN201
    """A store holding one failed run of 3 agents, 2 model calls each, and a replay that fails while the
    researcher or its step r1 is kept as recorded."""
    import workbench as wb
    from workbench.replay import TableReplay

    recs: list[dict] = [
        {"record": "run", "run_id": "r", "outcome": "failure"},
        {
            "run_id": "r",
            "step_id": "root",
            "kind": "system",
            "status": "error",
            "started_at": T0,
            "ended_at": T0 + 10**12,
        },
    ]
    i = 0
    for agent in ("planner", "researcher", "writer"):
        recs.append(
            {
                "run_id": "r",
                "step_id": f"a-{agent}",
                "parent_id": "root",
                "kind": "agent",
                "agent": agent,
                "started_at": T0 + i * 10**9,
                "ended_at": T0 + (i + 2) * 10**9,
            }
        )
        for k in range(2):
            recs.append(
                {
                    "run_id": "r",
                    "step_id": f"{agent[0]}{k}",
                    "parent_id": f"a-{agent}",
                    "kind": "llm",
                    "started_at": T0 + i * 10**9,
                    "ended_at": T0 + (i + 1) * 10**9,
                }
            )
            i += 1
    ws = wb.open()
    ws.ingest(recs, progress=False)
    replay = TableReplay(lambda run, replaced: "researcher" in replaced or "r1" in replaced)
    return ws, replay


def _sim_store(n: int):  # noqa: ANN202
    import workbench as wb

    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=41).generate(n), progress=False)
    return ws


def _counted(ws):  # noqa: ANN001, ANN202
    # (imported here: tests import five_steps from this file, and need none of the bench's readers)
    from ingest_small import _Counting

    counter = _Counting(ws._con)
    ws._con = counter
    return counter


def child(kind: str, n: int, tmp: str) -> dict:
    """``n`` calls of ``kind`` after one uncounted; per-call CPU seconds and statements."""
    warnings.simplefilter("ignore")  # (scipy on tiny drift segments)
    import workbench as wb

    folder = Path(tmp)
    counters: list = []

    def fresh_ws():  # noqa: ANN202
        ws = wb.open()
        counters.append(_counted(ws))
        return ws

    if kind == "open":

        def call(i: int) -> None:
            wb.open().close()
    elif kind in ("ingest5", "ingest5sql", "otlp5", "otlp5sql", "ingest5@1000"):
        if kind.endswith("sql"):
            from workbench.ingest import _jsonio

            _jsonio.SQL_MIN_BYTES = 0  # (read at each call: the readers' SQL path for a file of any size)
        write = write_five_otlp if kind.startswith("otlp") else write_five
        files = [write(folder / f"five-{i}.jsonl", f"bench-5-{i}") for i in range(n + 1)]
        if "@" not in kind:

            def call(i: int) -> None:
                ws = wb.open()
                counters.append(_counted(ws))
                ws.ingest(str(files[i]), progress=False)
                ws.close()
        else:
            big = _sim_store(1000)
            counters.append(_counted(big))

            def call(i: int) -> None:
                big.ingest(str(files[i]), progress=False)
    elif kind in ("ingest5again", "otlp5again"):
        write = write_five_otlp if kind.startswith("otlp") else write_five
        files = [write(folder / f"five-{i}.jsonl", f"bench-5-{i}") for i in range(n + 1)]
        ready = []

        def call(i: int) -> None:
            ws, path = ready.pop()
            ws.ingest(path, progress=False)
            ws.close()

        def prepare() -> None:  # (uncounted: the workspace's open and first ingest)
            path = str(files[len(counters) % len(files)])
            ws = wb.open()
            ws.ingest(path, progress=False)
            counters.append(_counted(ws))
            ready.append((ws, path))
    elif kind == "detect5first":
        # (a list: the generator, ingested again by each call's fresh workspace, gave it nothing from the second on,
        # and the kind measured the detect of an empty store)
        runs = list(wb.sim.procurement(seed=41).generate(5))
        ready = []

        def call(i: int) -> None:
            ws = ready.pop()
            wb.detect(ws, progress=False)
            ws.close()

        def prepare() -> None:  # (uncounted: the fresh workspace's open and ingest)
            ws = wb.open()
            ws.ingest(runs, progress=False)
            counters.append(_counted(ws))
            ready.append(ws)
    elif kind in ("detect5", "detect@1000"):
        ws = _sim_store(5 if kind == "detect5" else 1000)
        counters.append(_counted(ws))

        def call(i: int) -> None:
            wb.detect(ws, progress=False)
    elif kind in ("frame50", "predict50"):
        ws = _sim_store(50)
        wb.detect(ws, progress=False)
        counters.append(_counted(ws))
        model = wb.BlameModel() if kind == "frame50" else wb.BlameModel.pretrained()
        method = model.frame if kind == "frame50" else model.predict
        every = [r for (r,) in ws.sql("SELECT run_id FROM runs ORDER BY run_id").fetchall()]

        def call(i: int) -> None:
            method(ws, every)
    elif kind == "attribute3":
        from workbench.attribution import attribute

        ws, replay = three_agents()
        counters.append(_counted(ws))

        def call(i: int) -> None:
            attribute(ws, "r", replay)
    elif kind == "investigate5":
        from workbench import workspace
        from workbench.cli import main

        path = str(write_five(folder / "five.jsonl"))
        opened = workspace.open

        def counting_open(*a, **k):  # noqa: ANN002, ANN003, ANN202
            ws = opened(*a, **k)
            counters.append(_counted(ws))
            return ws

        workspace.open = counting_open

        def call(i: int) -> None:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = main(["investigate", path, "--quiet"])
            if code not in (0, 1):
                raise RuntimeError(f"investigate exited {code}")
    else:
        raise SystemExit(f"unknown kind {kind}")
    if kind not in ("detect5first", "ingest5again", "otlp5again"):

        def prepare() -> None:
            pass

    prepare()
    call(n)  # uncounted: imports, first plans
    cpu, stmts = [], []
    for i in range(n):
        prepare()
        before = sum(c.n for c in counters)
        start = time.process_time()
        call(i)
        cpu.append(time.process_time() - start)
        stmts.append(sum(c.n for c in counters) - before)
    return {
        "cpu_ms": statistics.median(cpu) * 1000,
        "stmts": statistics.median(stmts),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(python: str, kind: str, n: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="fixed_cost_") as tmp:
        out = subprocess.run(
            [python, __file__, "--child", kind, "--n", str(n), "--tmp", tmp],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rounds(rounds: int, kind: str, n: int, baseline: str | None) -> tuple[dict, dict | None]:
    """``rounds`` processes of ``kind`` on each side, alternated; each figure the median of the processes'."""
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(measure(sys.executable, kind, n))
        if baseline:
            theirs.append(measure(baseline, kind, n))

    def median(runs: list[dict]) -> dict:
        return {k: statistics.median(r[k] for r in runs) for k in runs[0]}

    return median(mine), median(theirs) if theirs else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="counted calls per kind (medium store: at most 3)")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="processes per kind and side, ours and the baseline's alternated; the median of their medians "
        "(on a loaded machine one pair swings +-25 %%)",
    )
    parser.add_argument("--baseline-python", default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--tmp", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.n, args.tmp)))
        return
    print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores; "
        f"ours {sys.executable}; baseline {args.baseline_python or '-'}\n"
    )
    print(f"rounds (processes per kind and side, alternated): {args.rounds}")
    print(
        "| call | N | ours CPU ms/call (median) | ours peak RSS MB | ours stmts/call | base CPU ms/call | "
        "base peak RSS MB | base stmts/call | base/ours CPU | load 1 min |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind in args.kinds:
        n = min(args.n, MEDIUM_N) if "@" in kind else args.n
        ours, base = _rounds(args.rounds, kind, n, args.baseline_python)
        ratio = f"{base['cpu_ms'] / ours['cpu_ms']:.2f}x" if base else "-"
        b = f"{base['cpu_ms']:.0f} | {base['rss_mb']:.0f} | {base['stmts']:.0f}" if base else "- | - | -"
        print(
            f"| {kind} | {n} | {ours['cpu_ms']:.0f} | {ours['rss_mb']:.0f} | {ours['stmts']:.0f} | {b} | {ratio} | "
            f"{os.getloadavg()[0]:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

"""silent_failure over logs whose LLM steps carry the chat: each call's input is the message list so far (the
user's request, the assistant's tool calls, the ``role: "tool"`` results), as OpenAI-style instrumentations log
it, with no tool span, and the run's root outputs a record (messages, token usage, the model's name). These are
the texts the detector opens with ``json_tree`` to find tool results and the answer of a record (values.sql);
bench/detect.py's store has none, so it times only the gate.

Usage::

    python bench/detect_chat_messages.py --runs 4000
    python bench/detect_chat_messages.py --runs 4000 --baseline-python /work/wt/base/.venv/bin/python

Prints: steps, input MB, code, seconds, steps/s, CPU seconds (all threads), silent_failure findings, peak RSS,
ratio against the baseline beside it. Each code runs in its own process (its own peak RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CALLS = 6  # LLM calls a run, each after a tool result


def _records(n_runs: int) -> list[dict]:
    recs: list[dict] = []
    t0 = 1_767_225_600_000_000_000
    for r in range(n_runs):
        rid = f"r{r:06d}"
        msgs: list[dict] = [
            {"role": "system", "content": "You price orders. " * 20},
            {"role": "user", "content": f"Price order {r} of 40 units."},
        ]
        recs.append({"record": "run", "run_id": rid, "system": "chat", "outcome": "success"})
        steps = []
        for k in range(CALLS):
            price = 12.5 + (r * 7 + k) % 90
            call = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{r:06d}{k:02d}abcdefghijklmn",
                        "type": "function",
                        "function": {"name": "get_price", "arguments": json.dumps({"sku": f"SKU-{k}"})},
                    }
                ],
            }
            steps.append((f"c{k}", json.dumps(msgs), json.dumps(call)))
            msgs = [
                *msgs,
                call,
                {
                    "role": "tool",
                    "tool_call_id": call["tool_calls"][0]["id"],
                    "content": json.dumps({"sku": f"SKU-{k}", "price": price, "stock": 100 + k}),
                },
            ]
        # every tenth run's answer states a price no tool gave
        said = f"Order {r}: 40 units at {price if r % 10 else price + 1.25} each."
        msgs = [*msgs, {"role": "assistant", "content": said}]
        steps.append(("c_last", json.dumps(msgs[:-1]), said))
        start = t0 + r * 60_000_000_000
        root = {
            "messages": msgs,
            "usage": {"prompt_tokens": 900 + r % 50, "completion_tokens": 40},
            "model": "gpt-4o-mini-2024-07-18",
        }
        recs.append(
            {
                "run_id": rid,
                "step_id": "root",
                "kind": "agent",
                "name": "workflow",
                "agent": "pricer",
                "input": f"Price order {r} of 40 units.",
                "output": json.dumps(root),
                "status": "ok",
                "started_at": start,
                "ended_at": start + 30_000_000_000,
            }
        )
        for k, (sid, inp, out) in enumerate(steps):
            recs.append(
                {
                    "run_id": rid,
                    "step_id": sid,
                    "parent_id": "root",
                    "kind": "llm",
                    "name": "chat",
                    "agent": "pricer",
                    "input": inp,
                    "output": out,
                    "status": "ok",
                    "started_at": start + (k + 1) * 1_000_000_000,
                    "ended_at": start + (k + 1) * 1_000_000_000 + 500_000_000,
                }
            )
    return recs


def _fill(path: str, n_runs: int) -> None:
    import workbench as wb

    ws = wb.open(path)
    ws.ingest(_records(n_runs), progress=False)
    ws.close()


def _child(path: str) -> None:
    import workbench as wb

    ws = wb.open(path)
    mb = ws.sql("SELECT sum(strlen(input)) / 1e6 FROM steps").fetchall()[0][0]
    steps = ws.count("steps")
    start, cpu = time.perf_counter(), _cpu()
    found = wb.detect(ws, detectors=["silent_failure"], progress=False)
    print(
        json.dumps(
            {
                "steps": steps,
                "input_mb": mb,
                "seconds": time.perf_counter() - start,
                "cpu": _cpu() - cpu,
                "findings": len(found),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _run(python: str, args: list[str], own_tree: bool) -> dict:
    env = {"PATH": "/usr/bin:/bin"}
    if own_tree:
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([python, __file__, *args], capture_output=True, text=True, check=False, env=env)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=4000)
    parser.add_argument("--baseline-python", help="also run with this interpreter (an earlier release)")
    parser.add_argument("--fill", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.fill:
        return _fill(a.fill[0], int(a.fill[1]))
    if a.child:
        return _child(a.child)
    print("load average at start:", os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        filled = str(Path(tmp) / "chat.duckdb")
        codes = [("this tree", sys.executable, True)]
        if a.baseline_python:
            codes.append(("baseline", a.baseline_python, False))
        # (filled by the oldest code, each child given its own copy: a newer release migrates a store it opens to
        # its schema, which an older one then refuses)
        own_tree = {"PYTHONPATH": str(Path(__file__).resolve().parents[1])} if codes[-1][2] else {}
        subprocess.run(
            [codes[-1][1], __file__, "--fill", filled, str(a.runs)],
            check=True,
            env={**os.environ, **own_tree},
        )
        rows = []
        for i, (name, py, own) in enumerate(codes):
            db = str(Path(tmp) / f"chat-{i}.duckdb")
            shutil.copyfile(filled, db)
            rows.append((name, _run(py, ["--child", db], own)))
    base = rows[-1][1]["seconds"] if a.baseline_python else None
    print("| steps | input MB | code | seconds | steps/s | CPU s | findings | peak RSS MB | time ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        ratio = f"{r['seconds'] / base:.2f}" if base else ""
        print(
            f"| {r['steps']:,} | {r['input_mb']:.0f} | {name} | {r['seconds']:.2f} | {r['steps'] / r['seconds']:,.0f} "
            f"| {r['cpu']:.1f} | {r['findings']:,} | {r['peak_mb']:.0f} | {ratio} |"
        )
    print("load average at end:", os.getloadavg())


if __name__ == "__main__":
    main()

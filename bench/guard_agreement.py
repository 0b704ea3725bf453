"""Every rule of the policy schema, live guard against the backtest, on every real trace checked in.

Usage::

    python bench/guard_agreement.py                    # every fixture, every rule at two thresholds
    python bench/guard_agreement.py --only adk,crewai  # fixtures whose path holds one of these words
    python bench/guard_agreement.py --samples          # ../shared/samples too, when present (Who&When, MAST, ...)

The README promises that the live guards decide as ``wb.backtest`` on the same runs. Each fixture of
``tests/ingest/fixtures`` (OTLP files, plain and gzipped, and every other format the store reads: Langfuse exports,
OpenInference/Phoenix spans, LangSmith runs, Who&When, native JSONL) is ingested into a store of its own, every
run labelled failed (the backtest reads only runs of known outcome), and each policy below is:

* **backtest**: ``wb.backtest(policy, ws, steps=True)``, its steps not allowed (run, step, action, rule);
* **span**: for an OTLP file, the file played through the OpenTelemetry SDK in time order (each span started and
  ended with the file's ids and times: ``tests/policy/_otlp_replay.py``) with one ``GuardSpanProcessor`` per
  policy, what they told ``on_cut`` / ``on_escalate`` (a tool call the store read out of chat messages, which no
  span traces, is left out of the backtest's side: the README says the span guard cannot see it);
* **hand**: ``wb.Guard`` fed each run's steps as a system calling it would (``before_step`` when a step starts,
  ``after_step`` when it ends, in the order of their times, with step and parent ids, depth, the step's signals,
  arguments and output, the run's task), what its calls returned and raised.

Each rule is played alone at a tight threshold (it fires on most runs that have what it reads) and a middling one.
Prints a table fixture x rule (``.``: the three agree at both thresholds; ``S`` / ``H``: the span / hand guard
differs at one of them; ``-``: no side decided anything at either), then every difference with its first differing
step, those the README documents (``KNOWN``) apart. Exit status 1 when any other differs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
TREE = HERE.parents[1]
FIXTURES = TREE / "tests" / "ingest" / "fixtures"
SAMPLES = TREE.parent / "shared" / "samples"
sys.path.insert(0, str(TREE / "tests" / "policy"))

import workbench as wb  # noqa: E402
from workbench.policy import Breakers, Budgets, HitlRule, Loops, Policy, PolicyViolation  # noqa: E402
from workbench.policy._backtest import live_order  # noqa: E402

# (rule, tight, middling): each alone in a policy
RULES: list[tuple[str, Policy, Policy]] = [
    ("max_depth", Policy(breakers=Breakers(max_depth=1)), Policy(breakers=Breakers(max_depth=3))),
    ("max_handoffs", Policy(breakers=Breakers(max_handoffs=0)), Policy(breakers=Breakers(max_handoffs=2))),
    (
        "max_step_latency_ms",
        Policy(breakers=Breakers(max_step_latency_ms=1.0)),
        Policy(breakers=Breakers(max_step_latency_ms=2000.0)),
    ),
    (
        "max_run_latency_ms",
        Policy(breakers=Breakers(max_run_latency_ms=10.0)),
        Policy(breakers=Breakers(max_run_latency_ms=10_000.0)),
    ),
    (
        "max_tool_calls_run",
        Policy(budgets=Budgets(max_tool_calls_run=0)),
        Policy(budgets=Budgets(max_tool_calls_run=3)),
    ),
    (
        "max_tool_calls_agent",
        Policy(budgets=Budgets(max_tool_calls_agent=0)),
        Policy(budgets=Budgets(max_tool_calls_agent=2)),
    ),
    ("max_retries", Policy(budgets=Budgets(max_retries=0)), Policy(budgets=Budgets(max_retries=1))),
    ("max_repeats", Policy(loops=Loops(max_repeats=0)), Policy(loops=Loops(max_repeats=1, window=5))),
    ("max_pingpong", Policy(loops=Loops(max_pingpong=1)), Policy(loops=Loops(max_pingpong=2))),
    (
        "max_repeated_replies",
        Policy(loops=Loops(max_repeated_replies=1)),
        Policy(loops=Loops(max_repeated_replies=2, repeat_similarity=0.6)),
    ),
    *(
        (f"hitl {signal}", Policy(hitl=(HitlRule(signal, tight),)), Policy(hitl=(HitlRule(signal, mid),)))
        for signal, tight, mid in (
            ("confidence", 1.0, 0.5),
            ("entropy", 0.0, 1.0),
            ("latency_ms", 0.0, 2000.0),
            ("tokens_in", 1.0, 2000.0),
            ("tokens_out", 1.0, 200.0),
            ("cost", 0.0, 0.001),
            ("tool_calls", 1.0, 4.0),
            ("retries", 1.0, 2.0),
            ("depth", 1.0, 3.0),
            ("handoffs", 1.0, 2.0),
        )
    ),
]
POLICIES = [p for _, tight, mid in RULES for p in (tight, mid)]

_SKIP = ("README", "SOURCE", "LICENSE", "_build", "bad.", "labels")

# Differences the README's guard section says must stay (a guard decides with what is known when a step starts or
# ends; the store reads a file whole): (fixture, side, rule) -> why. Printed as such; any other fails the run.
_BUILD = "workflow.build joins its workflow's run only once the file is read"
_FROM_CHAT = "a tool call read out of chat messages: no span, not counted live"
_NAMED = "an agent the store names from the whole run"
_LATE_KID = "a step begun under one that had ended: enclosing in the backtest, not live"
KNOWN = {
    **{
        ("agent-framework/invoke_workflow_1_26.otlp.jsonl", "span", r): _BUILD
        for r in ("max_run_latency_ms", "hitl latency_ms")
    },
    **{
        (f"crewai/openllmetry_{f}.otlp.jsonl", "span", "hitl tool_calls"): _FROM_CHAT
        for f in ("crash", "fault", "tool_error")
    },
    **{
        ("haystack/nested_agents_fault.otlp.jsonl", "span", r): _NAMED
        for r in ("max_handoffs", "hitl handoffs")
    },
    **{
        (f"langchain/{f}_unnamed_subagents_fault.otlp.jsonl", "span", "max_tool_calls_agent"): _NAMED
        for f in ("openinference", "otel_genai")
    },
    **{
        ("langfuse/google-adk-fixture.trace.json", "hand", r): _LATE_KID
        for r in (
            "max_step_latency_ms",
            "max_run_latency_ms",
            "hitl latency_ms",
            "hitl tokens_in",
            "hitl tokens_out",
            "hitl cost",
            "hitl depth",
        )
    },
}


def fixtures(only: list[str], samples: bool) -> list[Path]:
    files = sorted(
        p
        for p in FIXTURES.glob("*/*")
        if p.is_file() and not p.name.startswith(_SKIP) and p.suffix in (".jsonl", ".json", ".gz")
    )
    if samples and SAMPLES.is_dir():
        files += sorted(
            p for p in SAMPLES.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".json", ".gz")
        )
    return [p for p in files if not only or any(w in str(p) for w in only)]


def _name(path: Path) -> str:
    for root in (FIXTURES, SAMPLES):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return str(path)


def store_of(path: Path, tmp: Path) -> tuple[Any, set[str]]:
    """The file ingested into a store of its own, every run labelled failed; and the steps no span traces."""
    ws = wb.open()
    ws.ingest(path, progress=False)
    labels = tmp / "labels.jsonl"
    labels.write_text(
        "".join(json.dumps({"run_id": r, "outcome": "failure"}) + "\n" for r in ws.runs()["run_id"]),
        encoding="utf-8",
    )
    ws.label_file(labels)
    unseen = {
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE contains(attributes, ?)", ["workbench.tool_call_from"]
        ).fetchall()
    }
    return ws, unseen


def backtest(ws: Any, policy: Policy) -> list[tuple]:
    report = wb.backtest(policy, ws, steps=True)
    return [
        (r, s, a, rule)
        for r, s, _q, _p, a, rule in report.steps.itertuples(index=False, name=None)
        if a != "allow"
    ]


def span_guard(path: Path, tmp: Path) -> list[list[tuple]]:
    """What one GuardSpanProcessor per policy told while the file's spans were played through the SDK."""
    from _otlp_replay import replay

    from workbench.guard_spans import GuardSpanProcessor

    if path.suffix == ".gz":
        plain = tmp / path.name[:-3]
        plain.write_bytes(gzip.decompress(path.read_bytes()))
        path = plain
    heard: list[list[tuple]] = [[] for _ in POLICIES]

    def hook(told: list[tuple]) -> Any:
        return lambda e: told.append((e.run_id, e.step_id, e.action, e.rule))

    guards = [
        GuardSpanProcessor(p, on_cut=hook(t), on_escalate=hook(t))
        for p, t in zip(POLICIES, heard, strict=True)
    ]
    replay(path, guards)
    for guard in guards:  # (the file ends, as the program's exit flushes its processors: what waited is told)
        guard.force_flush()
    return heard


# A run's steps as a system calling wb.Guard has them; the first ten columns in backtest_steps.sql's positions
# (live_order reads depth, t0, t1 there). A step is heard no earlier than the step it runs under began.
_STEPS = """
SELECT s.step_id, s.parent_id, s.seq, s.agent, s.kind,
       CASE WHEN s.kind = 'tool' THEN coalesce(s.tool, s.name) ELSE s.tool END,
       CASE WHEN s.kind = 'tool' THEN s.input END, s.depth,
       epoch(CASE WHEN u.started_at > s.started_at THEN u.started_at ELSE s.started_at END),
       epoch(CASE WHEN u.started_at > s.ended_at THEN u.started_at ELSE s.ended_at END),
       s.latency_ms, s.status, s.confidence, s.entropy, s.tokens_in, s.tokens_out, s.cost, s.output
FROM steps s LEFT JOIN steps u ON u.run_id = s.run_id AND u.step_id = s.parent_id
WHERE s.run_id = ? ORDER BY s.seq
"""


def _heard(rows: list[tuple]) -> list[tuple[int, bool]]:
    """A run's step starts and ends as a system calling the guard makes them: in time order (the backtest's
    live_order); with a step of unknown time, in the store's order with each step's end after the ends of the steps
    under it (the backtest, which reads the parent links, keeps each end right after its start there)."""
    if all(r[8] is not None and r[9] is not None for r in rows):
        return live_order(rows)
    parent = {r[0]: r[1] for r in rows}
    out: list[tuple[int, bool]] = []
    open_: list[int] = []
    for i, r in enumerate(rows):
        while open_ and not _under(r[0], rows[open_[-1]][0], parent):
            out.append((open_.pop(), False))
        out.append((i, True))
        open_.append(i)
    out += [(i, False) for i in reversed(open_)]
    return out


def _under(step: str, above: str, parent: dict[str, Any]) -> bool:
    seen = 0
    while step is not None and seen < 1000:
        step, seen = parent.get(step), seen + 1
        if step == above:
            return True
    return False


def hand_guard(ws: Any) -> list[list[tuple]]:
    """What wb.Guard, one per policy, decided of each run's steps fed to it as they started and ended."""
    runs = ws.sql("SELECT run_id, task FROM runs ORDER BY run_id").fetchall()
    steps = {run: ws.sql(_STEPS, [run]).fetchall() for run, _ in runs}
    out: list[list[tuple]] = []
    for policy in POLICIES:
        guard = wb.Guard(policy, on_escalate=lambda e: None)
        said: list[tuple] = []
        for run, task in runs:
            rows = steps[run]
            guard.start_run(run, task=task)
            sid = None
            try:
                for i, start in _heard(rows):
                    (sid, pid, _seq, agent, kind, tool, args, depth, t0, t1, latency, status) = rows[i][:12]
                    conf, ent, tin, tout, cost, output = rows[i][12:]
                    if start:
                        d = guard.before_step(
                            run,
                            agent,
                            kind,
                            tool,
                            args,
                            depth=depth,
                            started_at=t0 or 0.0,
                            step_id=sid,
                            parent_id=pid,
                        )
                    else:
                        d = guard.after_step(
                            run,
                            agent,
                            kind,
                            tool,
                            args,
                            status=status or "unset",
                            latency_ms=latency,
                            confidence=conf,
                            entropy=ent,
                            tokens_in=tin,
                            tokens_out=tout,
                            cost=cost,
                            ended_at=t1 or 0.0,
                            output=output,
                            step_id=sid,
                        )
                    if d.action != "allow":
                        said.append((run, sid, d.action, d.rule))
            except PolicyViolation as exc:
                said.append((run, sid, "cut", exc.rule))  # (the step being heard raised it)
            guard.end_run(run)
        out.append(said)
    return out


def first_difference(a: list[tuple], b: list[tuple], seq: dict[str, int]) -> str:
    """The earliest step (by the store's order) decided otherwise by the two sides, and how."""
    only_a, only_b = set(a) - set(b), set(b) - set(a)
    step = min(only_a | only_b, key=lambda d: (d[0], seq.get(d[1], -1)))
    mine = lambda side: sorted({f"{d[2]} {d[3]}" for d in side if d[:2] == step[:2]})  # noqa: E731
    return f"run {step[0][:12]} step {step[1]} (seq {seq.get(step[1])}): backtest {mine(b) or 'allow'}, live {mine(a) or 'allow'}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="", help="comma-separated words; fixtures whose path holds one")
    ap.add_argument("--samples", action="store_true", help="../shared/samples too, when present")
    ap.add_argument("--no-hand", action="store_true", help="the span guard only")
    ns = ap.parse_args()
    files = fixtures([w for w in ns.only.split(",") if w], ns.samples)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rows: list[tuple[str, list[str]]] = []
    diffs: list[str] = []
    documented: list[str] = []
    pairs = {"span": [0, 0], "hand": [0, 0]}  # agreeing, played (file x policy)
    for path in files:
        name = _name(path)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                ws, unseen = store_of(path, Path(tmp))
            except Exception as exc:  # a file no reader takes (or one the store refuses): said, not played
                rows.append((name, [f"not read: {type(exc).__name__}"]))
                continue
            if not len(ws.runs()):
                rows.append((name, ["no runs"]))
                continue
            seq = dict(ws.sql("SELECT step_id, seq FROM steps").fetchall())
            said = [backtest(ws, p) for p in POLICIES]
            live = {}
            if ".otlp." in path.name and not path.name.endswith(".server.otlp.jsonl"):
                live["span"] = span_guard(path, Path(tmp))
            if not ns.no_hand:
                live["hand"] = hand_guard(ws)
            ws.close()
        cells = []
        for r, (rule, _, _) in enumerate(RULES):
            cell = ""
            decided = False
            for k in (2 * r, 2 * r + 1):
                for side, heard in live.items():
                    b = [d for d in said[k] if side != "span" or d[1] not in unseen]
                    pairs[side][1] += 1
                    decided = decided or bool(b) or bool(heard[k])
                    if set(heard[k]) == set(b):
                        pairs[side][0] += 1
                        continue
                    cell += side[0].upper() if side[0].upper() not in cell else ""
                    level = "tight" if k % 2 == 0 else "middling"
                    known = KNOWN.get((name, side, rule))
                    line = f"- {name} | {rule} ({level}) | {side}: {first_difference(heard[k], b, seq)}"
                    (documented if known else diffs).append(
                        line + (f" [documented: {known}]" if known else "")
                    )
            cells.append(cell or ("." if decided else "-"))
        rows.append((name, cells))
    short = [
        rule.replace("max_", "").replace("hitl ", "h:").replace("tool_calls_", "calls/").replace("_ms", "")
        for rule, _, _ in RULES
    ]
    print("| fixture | " + " | ".join(short) + " |")
    print("|---|" + "---|" * len(RULES))
    for name, cells in rows:
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    for side, (agree, played) in pairs.items():
        print(f"{side} guard: {agree} of {played} (file, policy) pairs agree with the backtest")
    print(
        f"{len(files)} files, {len(POLICIES)} policies; {time.process_time() - cpu0:.1f} CPU s, "
        f"{time.perf_counter() - wall0:.1f} s wall"
    )
    for title, lines in (("Differences the README documents", documented), ("Other differences", diffs)):
        if lines:
            print(f"\n{title} (first differing step):")
            print("\n".join(lines))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())

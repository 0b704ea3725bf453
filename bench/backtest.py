"""Held-out backtest: a policy proposed from one simulator seed, judged on runs of other seeds.

Usage::

    python bench/backtest.py                       # train on seed 0 (600 runs), test on seeds 1, 2 (400 each)
    python bench/backtest.py --train 300 --test 200

``wb.policy_from_findings`` proposes limits and a HITL rule (review budget 10 %) from the training
store; ``wb.backtest`` then reports on each held-out store what the policy would have done. Baselines
in the same invocation: the detectors' default thresholds (``DetectorConfig``) as a policy with no HITL
rule, the limits ``wb.suggest_limits`` sets at the 99th percentile of the training successes (unpriced),
and the proposal's HITL rules alone / its limits alone. Target (issue 8): prevent at least half of
the failures at a review rate under 10 %. A failure counts as prevented when it was cut or escalated at
or before its decisive (earliest labelled) step; "caught late" means after it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workbench as wb  # noqa: E402
from workbench.policy import Breakers, Budgets, Loops, Policy  # noqa: E402


def store(seed: int, n: int):
    ws = wb.open()
    ws.ingest(wb.sim.procurement(seed=seed).generate(n), progress=False)
    return ws


def defaults_policy() -> Policy:
    c = wb.DetectorConfig()
    return Policy(
        name="detector defaults",
        breakers=Breakers(
            max_depth=c.max_depth,
            max_handoffs=c.max_handoffs,
            max_step_latency_ms=c.max_step_latency_ms,
            max_run_latency_ms=c.max_run_latency_ms,
        ),
        budgets=Budgets(
            max_tool_calls_run=c.max_tool_calls_run,
            max_tool_calls_agent=c.max_tool_calls_agent,
            max_retries=c.max_retries,
        ),
        # each limit one below what the detector flags, so the policy cuts exactly what it finds
        loops=Loops(
            max_repeats=c.loop_min_turns - 1,
            max_pingpong=c.pingpong_min_exchanges - 1,
            max_repeated_replies=c.repeat_min_replies - 1,
        ),
    )


def markdown(frame) -> str:
    def cell(v) -> str:
        if v is None or v != v:
            return ""
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns)
    body = "\n".join("| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False))
    return head + "\n" + body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=600)
    parser.add_argument("--test", type=int, default=400)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    t = time.perf_counter()
    train = store(0, args.train)
    proposed = wb.policy_from_findings(train, review_budget=0.1)
    fit_s = time.perf_counter() - t
    policies = {
        "proposed": proposed,
        "proposed: HITL only": Policy(hitl=proposed.hitl),
        "proposed: limits only": proposed.replace(hitl=()),
        "baseline: detector defaults": defaults_policy(),
        # limits at the 99th percentile of the training successes' peaks, no pricing (what
        # wb.suggest_limits offers a store that cannot price limits)
        "baseline: suggest_limits p99": wb.suggest_limits(train, quantile=0.99).to_policy(),
    }
    rows = []
    tables = {}
    for seed in [0, *args.seeds]:
        ws = train if seed == 0 else store(seed, args.test)
        for name, policy in policies.items():
            t0 = time.perf_counter()
            rep = wb.backtest(policy, ws)
            secs = time.perf_counter() - t0
            s = rep.summary
            late = int(rep.table.set_index("rule").loc["total", "failures_caught_late"])
            rows.append(
                (
                    f"seed {seed}{' (train)' if seed == 0 else ''}",
                    name,
                    s["runs"],
                    s["failures"],
                    s["prevented"],
                    s["prevented_share"],
                    late,
                    s["review_rate"],
                    s["cut_rate"],
                    s["successes_lost"],
                    s["tool_calls_saved"],
                    rep.meets(0.5, 0.1),
                    secs,
                )
            )
            if name == "proposed" and seed != 0:
                tables[seed] = rep.table.drop(columns=["run_ids", "false_stop_ids"])  # ids: rule_runs()
    load = os.getloadavg()
    print(
        f"held-out backtest, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores; "
        f"proposal from {args.train} runs of seed 0 in {fit_s:.1f} s (ingest included)\n"
    )
    print(f"proposed policy: {proposed}\n")
    print(
        "| store | policy | runs | failures | prevented | share | caught late | review rate | cut rate "
        "| successes lost | tool calls saved | ≥ 50 % at < 10 % reviews | backtest s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        print(
            f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]:.0%} | {r[6]} | {r[7]:.1%} | {r[8]:.1%} "
            f"| {r[9]} | {r[10]} | {'yes' if r[11] else 'no'} | {r[12]:.2f} |"
        )
    for seed, table in tables.items():
        print(f"\nper rule, proposed policy, held-out seed {seed}:\n")
        print(markdown(table))


if __name__ == "__main__":
    main()

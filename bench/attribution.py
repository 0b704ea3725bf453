"""Attribution benchmark: what replays cost, and how often the verdict is right.

Usage::

    python bench/attribution.py            # 1,500 simulated runs of a seed nothing was tuned on
    python bench/attribution.py --runs 600

Prints three tables, all on the same simulated runs:

1. Replay cost of exact Shapley (over the 5 agents, and over 8 steps): value calls and replayed
   steps for a naive evaluation (the textbook formula, every marginal replayed from scratch), with a
   coalition cache, and with the cache plus snapshot resume.
2. Decisive step: replays of the binary search vs a linear scan, against the log2(T) + 1 bound.
3. Accuracy of the replay verdicts against ground truth (agent and step), single- and multi-fault runs.

The Shapley engine itself (ours vs shap's explainers at equal budgets) is in ``bench/shapley.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from itertools import combinations

import workbench as wb
from workbench.attribution import attribute, decisive_step
from workbench.attribution._attribute import STEP_KINDS
from workbench.attribution._decisive import search_budget
from workbench.attribution._runner import ReplayRunner


class Counting:
    """Wraps a replay, counting calls and replayed steps."""

    def __init__(self, replay, resume: bool = True) -> None:  # noqa: ANN001
        self.replay, self.resume = replay, resume
        self.calls = self.steps = 0

    def __call__(self, run_id, intervention):  # noqa: ANN001, ANN204
        res = self.replay(run_id, intervention, resume=self.resume)
        self.calls += 1
        self.steps += res.replayed_steps
        return res


def naive_exact(replay: Counting, run_id: str, players: list[str], unit: str) -> None:
    """The textbook formula: for each player and each coalition without it, replay both sides."""
    everyone = frozenset(players)
    for p in players:
        others = [q for q in players if q != p]
        for k in range(len(others) + 1):
            for c in combinations(others, k):
                for kept in (frozenset(c), frozenset(c) | {p}):
                    replaced = everyone - kept
                    kw = {"agents": replaced} if unit == "agent" else {"steps": replaced}
                    replay(run_id, wb.Intervention(**kw))


def replay_cost(system, ws, runs, n_runs: int) -> list[tuple]:  # noqa: ANN001
    rows = []
    for unit, n_players in (("agent", None), ("step", 8)):
        totals = {"naive": [0, 0], "cache": [0, 0], "cache + resume": [0, 0]}
        sample = [r for r in runs if r.outcome == "failure"][:n_runs]
        for run in sample:
            steps = ws.steps(run.run_id)
            if unit == "agent":
                players = steps.dropna(subset=["agent"]).sort_values("seq")["agent"].unique().tolist()
            else:
                players = (
                    steps[steps["kind"].isin(STEP_KINDS)].sort_values("seq")["step_id"].tolist()[:n_players]
                )
            for name, resume, cached in (
                ("naive", False, False),
                ("cache", False, True),
                ("cache + resume", True, True),
            ):
                counter = Counting(system.replay, resume=resume)
                if cached:
                    attribute(
                        ws,
                        run.run_id,
                        counter,
                        unit=unit,
                        players=players,
                        shapley_method="exact",
                        decisive=False,
                        store=False,
                    )
                else:
                    naive_exact(counter, run.run_id, players, unit)
                totals[name][0] += counter.calls
                totals[name][1] += counter.steps
        base = totals["naive"][1]
        for name, (calls, steps) in totals.items():
            rows.append(
                (
                    f"exact Shapley over {unit}s",
                    len(sample),
                    name,
                    calls / len(sample),
                    steps / len(sample),
                    base / steps if steps else float("nan"),
                )
            )
    return rows


def decisive_cost(system, ws, runs) -> tuple[list[tuple], dict]:  # noqa: ANN001
    searched, scanned, bound = [], [], []
    for run in runs:
        if run.outcome != "failure" or len(run.faults) != 1:
            continue
        steps = ws.steps(run.run_id)
        cands = steps[steps["kind"].isin(STEP_KINDS)].sort_values("seq")["step_id"].tolist()
        runner = ReplayRunner(system.replay, run.run_id, unit="step")
        found = decisive_step(runner, cands, check_alone=False)
        searched.append(found.replays)
        # A linear scan repairs one more step at a time until the run succeeds.
        scan = ReplayRunner(system.replay, run.run_id, unit="step")
        for t in range(len(cands)):
            if scan.value(frozenset(cands[: t + 1])) >= 0.5:
                break
        scanned.append(scan.log.replays)
        bound.append(search_budget(len(cands)))
    rows = [
        ("binary search (prefix repairs)", len(searched), statistics.mean(searched), max(searched)),
        ("linear scan", len(scanned), statistics.mean(scanned), max(scanned)),
        ("bound log2(T) + 1", len(bound), statistics.mean(bound), max(bound)),
    ]
    return rows, {"within_bound": sum(s <= b for s, b in zip(searched, bound, strict=True)) / len(searched)}


def accuracy(system, ws, runs) -> list[tuple]:  # noqa: ANN001
    rows = []
    for name, pick in (
        ("single fault", lambda r: len(r.faults) == 1),
        ("several faults", lambda r: len(r.faults) > 1),
    ):
        sample = [r for r in runs if r.outcome == "failure" and pick(r)]
        agent_ok = step_ok = replays = 0
        start = time.perf_counter()
        for run in sample:
            labels = [lab for lab in run.labels() if lab.get("agent")]
            res = attribute(ws, run.run_id, system.replay, store=False)
            agent_ok += res.verdict.culprit in {lab["agent"] for lab in labels}
            step_ok += res.verdict.decisive_step in {lab["step_id"] for lab in labels}
            replays += res.replays
        sec = time.perf_counter() - start
        rows.append(
            (
                name,
                len(sample),
                agent_ok / len(sample),
                step_ok / len(sample),
                replays / len(sample),
                sec / len(sample) * 1000,
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=97)
    parser.add_argument("--cost-runs", type=int, default=25, help="failed runs for the replay-cost table")
    args = parser.parse_args()
    system = wb.sim.procurement(seed=args.seed)
    runs = list(system.generate(args.runs))
    ws = wb.open()
    ws.ingest(runs)

    print("| game | runs | evaluation | replays / run | replayed steps / run | steps saved vs naive |")
    print("|---|---|---|---|---|---|")
    for game, n, name, calls, steps, ratio in replay_cost(system, ws, runs, args.cost_runs):
        print(f"| {game} | {n} | {name} | {calls:,.1f} | {steps:,.0f} | {ratio:.1f}x |")

    rows, extra = decisive_cost(system, ws, runs)
    print("\n| decisive step | runs | mean replays | max replays |")
    print("|---|---|---|---|")
    for name, n, mean, mx in rows:
        print(f"| {name} | {n} | {mean:.2f} | {mx} |")
    print(f"\nsearch within log2(T) + 1 replays in {extra['within_bound']:.0%} of runs")

    print(
        "\n| failed runs | n | culprit agent right | decisive step is a labelled step | replays / run | ms / run |"
    )
    print("|---|---|---|---|---|---|")
    for name, n, a, s, r, ms in accuracy(system, ws, runs):
        print(f"| {name} | {n} | {a:.1%} | {s:.1%} | {r:.1f} | {ms:.1f} |")


if __name__ == "__main__":
    main()

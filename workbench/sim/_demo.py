"""The embedded demo data set: the simulator's runs behind ``data/demo.jsonl.gz``.

Kept apart from :mod:`.demo` (the command line) so that importing the package does not import
the module ``python -m workbench.sim.demo`` runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._procurement import ProcurementSystem, SimRun
from ._records import write_jsonl

DEMO_PATH = "data/demo.jsonl.gz"
DEMO_RUNS = 2000
DEMO_SEED = 7


def demo_system(seed: int = DEMO_SEED, **options: Any) -> ProcurementSystem:
    """The simulated system the demo data comes from (default options: 30% faulty runs, drift at run 1200)."""
    return ProcurementSystem(seed, options.pop("fault_rate", 0.3), **options)


def demo_runs(n_runs: int = DEMO_RUNS, seed: int = DEMO_SEED, **options: Any) -> Iterator[SimRun]:
    """The demo data set's runs, generated on the fly (what ``data/demo.jsonl.gz`` holds)."""
    return demo_system(seed, **options).generate(n_runs)


def summarize(runs: Iterator[SimRun], stats: dict[str, Any]) -> Iterator[SimRun]:
    """Pass runs through, counting outcomes and faults into ``stats``."""
    stats.update(
        runs=0,
        steps=0,
        failures=0,
        silent_failures=0,
        faulty_runs=0,
        multi_fault_runs=0,
        faults=0,
        recovered_faults=0,
        faults_by_kind=Counter(),
        recovered_by_kind=Counter(),
    )
    for run in runs:
        stats["runs"] += 1
        stats["steps"] += run.n_steps
        stats["failures"] += run.outcome == "failure"
        stats["silent_failures"] += run.outcome == "failure" and run.reported_outcome == "success"
        stats["faulty_runs"] += bool(run.faults)
        stats["multi_fault_runs"] += len(run.faults) > 1
        stats["faults"] += len(run.faults)
        stats["recovered_faults"] += sum(run.recovered.values())
        stats["faults_by_kind"].update(f.kind for f in run.faults)
        stats["recovered_by_kind"].update(f.kind for f in run.faults if run.recovered[f.fid])
        yield run


def generate_demo(
    path: str | Path, n_runs: int = DEMO_RUNS, seed: int = DEMO_SEED, **options: Any
) -> dict[str, Any]:
    """Write the demo data set and return a summary of what it holds.

    Parameters
    ----------
    path : str or Path
        Output file; a ``.gz`` suffix gives a gzip file with a fixed header (deterministic bytes).
    n_runs : int
        Number of runs.
    seed : int
        Seed of the simulated system.
    **options
        Passed to :class:`~workbench.sim.ProcurementSystem` (``fault_rate`` defaults to 0.3).

    Returns
    -------
    dict
        ``records``, ``runs``, ``steps``, ``failures``, ``silent_failures``, ``faulty_runs``,
        ``multi_fault_runs``, ``faults``, ``recovered_faults``, and per-kind counts
        ``faults_by_kind`` / ``recovered_by_kind``.
    """
    stats: dict[str, Any] = {}
    stats["records"] = write_jsonl(summarize(demo_runs(n_runs, seed, **options), stats), path)
    stats["faults_by_kind"] = dict(sorted(stats["faults_by_kind"].items()))
    stats["recovered_by_kind"] = dict(sorted(stats["recovered_by_kind"].items()))
    return stats

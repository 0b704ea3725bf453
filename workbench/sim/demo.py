"""The embedded demo data set: ``python -m workbench.sim.demo [PATH] [--runs N] [--seed S]``.

Writes the simulator's runs as native JSONL (gzip-compressed when the path ends in ``.gz``) and the
index of its failed runs beside it (``demo.failed.json.gz``, see :func:`workbench.demo.write_failed_index`),
byte-for-byte the same for the same arguments, and prints what the file holds.
"""

from __future__ import annotations

import argparse

from ._demo import DEMO_PATH, DEMO_RUNS, DEMO_SEED, demo_runs, demo_system, generate_demo, summarize

__all__ = [
    "DEMO_PATH",
    "DEMO_RUNS",
    "DEMO_SEED",
    "demo_runs",
    "demo_system",
    "generate_demo",
    "main",
    "summarize",
]


def main(argv: list[str] | None = None) -> None:
    """Command line: regenerate the demo data file and print its summary."""
    ap = argparse.ArgumentParser(
        prog="python -m workbench.sim.demo",
        description="Write the simulator's demo data set as native JSONL.",
    )
    ap.add_argument("path", nargs="?", default=DEMO_PATH, help=f"output file (default {DEMO_PATH})")
    ap.add_argument("--runs", type=int, default=DEMO_RUNS)
    ap.add_argument("--seed", type=int, default=DEMO_SEED)
    args = ap.parse_args(argv)
    stats = generate_demo(args.path, args.runs, args.seed)
    from ..demo import write_failed_index  # the failed runs' index, for investigate's replays

    print(f"wrote {args.path} and {write_failed_index(args.path)}")
    for key, val in stats.items():
        print(f"  {key}: {val}")


if __name__ == "__main__":
    main()

"""Attribution over many failed runs spread over a Dask cluster, checked against the same work in one process.

Usage::

    python bench/dask_attribution.py                          # 300 simulated runs, a 2-worker LocalCluster
    python bench/dask_attribution.py --runs 2000 --scheduler tcp://host:8786

The recipe for a million failed runs: export the store to Parquet on storage every worker can read
(``ws.export("s3-or-nfs/store_parquet")``); cut the failed run ids into batches of a few hundred; each
Dask task opens the export read-only (``wb.open(folder)``), builds the replay function of the user's
system, and calls ``wb.attribute(..., store=False)`` per run; the client gathers the verdicts
(``distributed.as_completed``) and writes them where it wants. The unit spread over the cluster is the
run (each run's replays stay on its worker, cached), not the single replay. Prints seconds, runs/s,
and whether every verdict equals the one computed in one process.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

SEED = 11


def attribute_batch(folder: str, run_ids: list[str]) -> list[tuple[str, str | None, str | None, float]]:
    """One Dask task: open the export read-only, attribute each run, return the verdicts."""
    import workbench as wb

    system = wb.sim.procurement(seed=SEED)  # stands for the user's replayable system
    ws = wb.open(folder)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for rid in run_ids:
            v = wb.attribute(ws, rid, system.replay, store=False).verdict
            out.append((rid, v.culprit, v.decisive_step, round(float(v.confidence), 9)))
    ws.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster)")
    args = parser.parse_args()

    import distributed

    import workbench as wb

    with tempfile.TemporaryDirectory() as tmp:
        ws = wb.open()
        ws.ingest(wb.sim.procurement(seed=SEED).generate(args.runs), progress=False)
        failed = [
            r
            for (r,) in ws.sql("SELECT run_id FROM runs WHERE outcome = 'failure' ORDER BY run_id").fetchall()
        ]
        folder = str(ws.export(Path(tmp) / "store_parquet"))
        ws.close()
        batches = [failed[i : i + args.batch] for i in range(0, len(failed), args.batch)]

        start = time.perf_counter()
        local = [v for b in batches for v in attribute_batch(folder, b)]
        t_local = time.perf_counter() - start

        cluster = (
            None
            if args.scheduler
            else distributed.LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
        )
        with distributed.Client(args.scheduler or cluster) as client:
            start = time.perf_counter()
            futures = client.map(attribute_batch, [folder] * len(batches), batches, pure=False)
            spread = [v for f in distributed.as_completed(futures) for v in f.result()]
            t_dask = time.perf_counter() - start
            workers = len(client.scheduler_info()["workers"])
            ran_on = {w for f in futures for w in client.who_has([f]).get(f.key, ())}
        if cluster is not None:
            cluster.close()
    same = sorted(spread) == sorted(local)
    print(f"load average: {os.getloadavg()}")
    print("| where | failed runs | seconds | runs/s | workers used | verdicts equal to one process |")
    print("|---|---|---|---|---|---|")
    print(f"| one process | {len(local)} | {t_local:.1f} | {len(local) / t_local:.2f} | 1 | - |")
    print(
        f"| Dask ({workers} workers) | {len(spread)} | {t_dask:.1f} | {len(spread) / t_dask:.2f} | "
        f"{len(ran_on)} | {same} |"
    )


if __name__ == "__main__":
    main()

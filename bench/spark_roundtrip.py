"""A workbench Parquet export read by Apache Spark (local mode): row counts and aggregates against the workspace.

Usage::

    pip install pyspark        # in your own environment: Spark is not a workbench dependency (needs Java 17+)
    python bench/spark_roundtrip.py [--runs 500]

Builds a store from the simulator (ingest, detectors), exports it with ``ws.export(folder)``, reads
every table back with ``spark.read.parquet`` (partitions by day found by Spark's own discovery) and
prints, per table and per aggregate, the workspace's figure, Spark's figure and whether they are equal.
Exits non-zero when one differs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

AGGREGATES = {
    "steps": (
        "count(DISTINCT run_id)",
        "sum(tokens_in)",
        "sum(tokens_out)",
        "sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END)",
        "round(sum(latency_ms), 3)",
        "count(DISTINCT agent)",
    ),
    "runs": ("sum(CASE WHEN outcome = 'failure' THEN 1 ELSE 0 END)", "count(DISTINCT system)"),
    "findings": ("count(DISTINCT detector)", "sum(CASE WHEN severity = 'critical' THEN 1 ELSE 0 END)"),
    "edges": ("count(DISTINCT run_id)", "sum(CASE WHEN kind = 'consumes' THEN 1 ELSE 0 END)"),
    "labels": ("count(DISTINCT run_id)", "count(DISTINCT kind)"),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    from pyspark.sql import SparkSession

    import workbench as wb
    from workbench.store._connection import TABLES

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = wb.open()
        ws.ingest(wb.sim.procurement(seed=7).generate(args.runs), progress=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            wb.detect(ws, progress=False)
        folder = ws.export(Path(tmp) / "store_parquet")
        start = time.perf_counter()
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("workbench-roundtrip")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        try:
            for table in TABLES:
                df = spark.read.parquet(str(folder / table))
                df.createOrReplaceTempView(table)
                ours = ws.count(table)
                theirs = df.count()
                rows.append((table, "count(*)", ours, theirs))
                for agg in AGGREGATES.get(table, ()):
                    ours = ws.sql(f"SELECT {agg} FROM {table}").fetchall()[0][0]  # our own constants only
                    theirs = spark.sql(f"SELECT {agg} FROM {table}").collect()[0][0]
                    rows.append((table, agg, ours, theirs))
        finally:
            spark.stop()
        seconds = time.perf_counter() - start
        ws.close()
    print(f"load average: {os.getloadavg()}; Spark session and reads: {seconds:.1f} s")
    print("| table | figure | workspace (DuckDB) | Spark | equal |")
    print("|---|---|---|---|---|")
    bad = 0
    for table, agg, ours, theirs in rows:
        same = ours == theirs or (isinstance(ours, float) and abs(float(ours) - float(theirs)) < 1e-6)
        bad += not same
        print(f"| {table} | `{agg}` | {ours} | {theirs} | {same} |")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

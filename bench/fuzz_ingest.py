"""A fuzz campaign over all six input formats, larger than the suite's (which is bounded to stay fast).

Usage::

    python bench/fuzz_ingest.py --files 100 --seed 0     # 100 mutant files per format

Each mutant (JSON-level edits: a field set to a random or hostile value, dropped or copied; or
byte-level edits: cuts, inserts, truncated gzip) is ingested twice into a fresh store, and the
invariants of ``tests/ingest/_fuzz_core.check_file`` are checked: no exception escapes,
``read == stored + quarantined``, ``quarantine`` rows equal the report, the second ingest adds nothing,
no temporary table is left. Prints a markdown table per format.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "ingest"))
from _fuzz_core import FORMATS, check_file, edit_bytes, mutate, seeds, to_bytes, write  # noqa: E402

HOSTILE = [
    None,
    True,
    0,
    -1,
    2**63,
    -(2**63) - 1,
    2**80,
    1e30,
    -1e30,
    float("nan"),
    float("inf"),
    "",
    "x" * 300,
    "catastrophe",
    "ERROR",
    "agent",
    "P1D",
    "2262-04-12T00:00:00Z",
    "1e30",
    "\ud800",
    "\x00",
    "[",
    {},
    [],
    {"a": {"b": {"c": [1, {"d": None}]}}},
    [[[[["deep"]]]]],
]


def _value(rng: np.random.Generator, depth: int = 0) -> object:
    roll = rng.random()
    if roll < 0.5 or depth > 3:
        return HOSTILE[rng.integers(len(HOSTILE))]
    if roll < 0.6:
        value: object = []
        for _ in range(int(rng.integers(90, 1100))):  # past the depth limit, sometimes past orjson's
            value = [value]
        return value
    if roll < 0.8:
        return [_value(rng, depth + 1) for _ in range(rng.integers(0, 4))]
    return {f"k{i}": _value(rng, depth + 1) for i in range(rng.integers(0, 4))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=100, help="mutant files per format")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = []
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in FORMATS:
            records, jsonl = seeds()[fmt]
            clean = to_bytes(records, jsonl)
            stats = {
                "files": 0,
                "escaped": 0,
                "broken_invariant": 0,
                "reconciled": 0,
                "read": 0,
                "stored": 0,
                "quarantined": 0,
                "gz": 0,
            }
            first_failure = ""
            t0 = time.perf_counter()
            for i in range(args.files):
                gz = bool(rng.random() < 0.3)
                if i % 2 == 0:
                    edits = [
                        (
                            int(rng.integers(10_000)),
                            str(rng.choice(["set", "set", "drop", "copy"])),
                            _value(rng),
                        )
                        for _ in range(rng.integers(1, 5))
                    ]
                    data = to_bytes(mutate(records, edits), jsonl)
                else:
                    edits = [
                        (
                            int(rng.integers(10**6)),
                            int(rng.integers(0, 30)),
                            bytes(rng.integers(0, 256, size=int(rng.integers(0, 8))).astype(np.uint8)),
                        )
                        for _ in range(rng.integers(1, 6))
                    ]
                    data = edit_bytes(clean, edits)
                path = write(Path(tmp) / f"{fmt}-{i}", data, gz)
                if gz and rng.random() < 0.3:
                    packed = path.read_bytes()
                    path.write_bytes(packed[: max(1, int(len(packed) * rng.random()))])
                stats["files"] += 1
                stats["gz"] += gz
                try:
                    counts = check_file(path, fmt)
                except AssertionError as exc:
                    stats["broken_invariant"] += 1
                    first_failure = first_failure or f"{path.name}: {exc}"[:200]
                except Exception:  # noqa: BLE001 - counting what escapes is the point
                    stats["escaped"] += 1
                    first_failure = first_failure or traceback.format_exc().strip().splitlines()[-1][:200]
                else:
                    stats["reconciled"] += 1
                    for k in ("read", "stored", "quarantined"):
                        stats[k] += counts[k]
                path.unlink()
            rows.append((fmt, stats, time.perf_counter() - t0, first_failure))
    print(f"load average {os.getloadavg()}, seed {args.seed}, {time.perf_counter() - t_all:.0f} s in all\n")
    print(
        "| format | files (gz) | exceptions escaped | invariant broken | reconciled | records read | stored "
        "| quarantined | seconds | first failure |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for fmt, s, secs, fail in rows:
        print(
            f"| {fmt} | {s['files']} ({s['gz']}) | {s['escaped']} | {s['broken_invariant']} | {s['reconciled']} "
            f"| {s['read']:,} | {s['stored']:,} | {s['quarantined']:,} | {secs:.0f} | {fail or '-'} |"
        )


if __name__ == "__main__":
    main()

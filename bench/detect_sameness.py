"""Whether a change to the detectors finds the same as a baseline: every finding of every input, both ways.

Usage::

    python bench/detect_sameness.py --baseline-pythonpath /tmp/base    # a checkout of main exported there
    python bench/detect_sameness.py --baseline-pythonpath /tmp/base --jobs 4   # 4 children a side

Inputs: ingest_sameness.py's (every file under ``tests/**/fixtures`` and ``data/``, the demo data included,
and its synthetic native files), plus a store of 5 simulated runs (the fixed-cost bench's). Each is ingested
into a fresh store in memory by this checkout's interpreter and by the baseline's (another venv, or this one
with ``--baseline-pythonpath`` put first on its path), each in a process of its own; then ``wb.detect`` runs
on the whole store, then again on its first run alone (the scoped path), and each call's findings (every
column, sorted) and the ``detected`` marks are compared. Prints one line per input that differs and a summary;
exits 1 when any differs. A correctness check, not a timing: no figures but counts.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_sameness import both_sides, inputs, sameness_parser, shown  # noqa: E402

SIM = "<sim 5 runs>"


def _findings(frame) -> list:  # noqa: ANN001
    cols = ["run_id", "step_id", "agent", "detector", "severity", "detail", "attributes"]
    return sorted(
        json.dumps([None if v != v else v for v in row], default=str) for row in frame[cols].values.tolist()
    )


def child(files: list[str]) -> None:
    """Ingest each input into a fresh store, detect twice; print each input's findings as a JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    import workbench as wb

    print("#", wb.__file__)
    for f in files:
        ws = wb.open()
        try:
            ws.ingest(wb.sim.procurement(seed=41).generate(5) if f == SIM else f, progress=False)
            whole = _findings(wb.detect(ws, progress=False))
            first = ws.sql("SELECT min(run_id) FROM runs").fetchall()[0][0]
            scoped = _findings(wb.detect(ws, run_ids=[first], progress=False)) if first is not None else []
            marks = sorted(map(list, ws.sql("SELECT run_id, detector, settings FROM detected").fetchall()))
            out = {"whole": whole, "scoped": scoped, "marks": marks}
        except Exception as exc:  # noqa: BLE001 (an input refused: refused the same way, or not)
            out = {"error": f"{type(exc).__name__}: {exc}"}
        ws.close()
        print(json.dumps(out))


def main() -> None:
    parser = sameness_parser(__doc__, "only the inputs whose path matches this regex (and the sim)")
    args = parser.parse_args()
    if args.child:
        child(args.files)
        return
    with tempfile.TemporaryDirectory(prefix="detect_sameness_") as tmp:
        files = [SIM, *(str(p) for p in inputs(Path(tmp)))]
        if args.only:
            files = [SIM, *(f for f in files[1:] if re.search(args.only, f))]
        r_ours, r_base = both_sides(__file__, files, args, tmp)
        bad = found = 0
        for f, a, b in zip(files, r_ours, r_base, strict=True):
            found += len(a.get("whole", []))
            if a != b:
                bad += 1
                what = [k for k in ("error", "whole", "scoped", "marks") if a.get(k) != b.get(k)]
                print(f"DIFFERS {shown(f)}: {', '.join(what)}")
        print(
            f"{len(files)} inputs, each detected whole and scoped; {found} findings (ours, whole); "
            f"{bad} differ"
        )
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

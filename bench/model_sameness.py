"""Whether a change to the BlameModel's feature frame or scoring gives what a baseline gives: every value, both ways.

Usage::

    python bench/model_sameness.py --baseline-pythonpath /tmp/base    # a checkout of main exported there
    python bench/model_sameness.py --baseline-pythonpath /tmp/base --jobs 2 --only whowhen

Inputs: ingest_sameness.py's (every file under ``tests/**/fixtures`` and ``data/``, the demo data included), two
simulated stores (the fixed-cost bench's 50 runs, seed 41, and the explorer bench's 6, seed 1 at fault rate 0.7),
and, when ``../shared/samples`` is there, each Who&When folder of it as one input. Each is ingested into a fresh
store in memory and detected by this checkout's interpreter and by the baseline's (another venv, or this one with
``--baseline-pythonpath`` put first on its path), each in a process of its own; then, over every run of the store:
``BlameModel().frame`` and ``BlameModel(novelty="run").frame`` (each column's values, NaN and -0.0 kept apart, as a
digest, and the id columns), and ``BlameModel.pretrained().predict`` (every column of every row, exactly: agent,
step, confidence, uncertain ...), and the predict of the store's first run alone (the explorer's call); on a store of
20 labelled failed runs or more, ``BlameModel().fit`` on them (every part of its ``to_dict``, exactly) and its
predictions of those runs. Prints one
line per input that differs (naming the columns) and a summary; exits 1 when any differs. A correctness check, not
a timing: no figures but counts.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_sameness import ROOT, both_sides, inputs, sameness_parser, shown  # noqa: E402

SIMS = {"<sim 50 runs>": (41, None, 50), "<sim 6 runs>": (1, 0.7, 6)}
SAMPLES = ROOT.parent / "shared" / "samples"


def _digest(values) -> str:  # noqa: ANN001
    import numpy as np

    a = np.asarray(values)
    if a.dtype.kind == "f":
        return hashlib.sha256(a.astype(np.float64).tobytes()).hexdigest()[
            :16
        ]  # (bytes: NaN, -0.0 as they are)
    return hashlib.sha256(
        json.dumps([None if v != v else v for v in a.tolist()], default=str).encode()
    ).hexdigest()[:16]


def _frame(X) -> dict:  # noqa: ANN001
    return {"columns": list(X.columns), "rows": len(X), **{c: _digest(X[c].to_numpy()) for c in X.columns}}


def _rows(P) -> list:  # noqa: ANN001
    return [list(P.columns), *([None if v != v else v for v in r] for r in P.values.tolist())]


def _fitted(ws) -> dict:  # noqa: ANN001
    """``BlameModel().fit`` on the store's labelled failed runs, when it has at least 20: the model's every array
    (``to_dict``, exactly) and its predictions of those runs; nothing for a store with fewer."""
    import workbench as wb
    from workbench.attribution._heuristics import culprit_labels

    runs = sorted(culprit_labels(ws)["run_id"].unique())
    if len(runs) < 20:
        return {}
    model = wb.BlameModel().fit(ws, runs)
    return {
        "fit": {k: _digest([json.dumps(v, sort_keys=True)]) for k, v in model.to_dict().items()},
        "fit_predict": _rows(model.predict(ws, runs)),
    }


def child(files: list[str]) -> None:
    """Ingest each input into a fresh store, detect; print its frames' digests and predictions as a JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    import workbench as wb

    print("#", wb.__file__)
    pretrained = wb.BlameModel.pretrained()
    for f in files:
        ws = wb.open()
        try:
            if f in SIMS:
                seed, rate, n = SIMS[f]
                sim = wb.sim.procurement(seed=seed, **({} if rate is None else {"fault_rate": rate}))
                ws.ingest(sim.generate(n), progress=False)
            else:
                ws.ingest(f, progress=False)
            wb.detect(ws, progress=False)
            every = [r for (r,) in ws.sql("SELECT run_id FROM runs ORDER BY run_id").fetchall()]
            out = {
                "frame": _frame(wb.BlameModel().frame(ws, every)),
                "frame_run": _frame(wb.BlameModel(novelty="run").frame(ws, every)),
                "predict": _rows(pretrained.predict(ws, every)),
                "predict_first": _rows(pretrained.predict(ws, every[:1])) if every else [],
            }
            out.update(_fitted(ws))
        except Exception as exc:  # noqa: BLE001 (an input refused: refused the same way, or not)
            out = {"error": f"{type(exc).__name__}: {exc}"}
        ws.close()
        print(json.dumps(out, default=str))


def _what(a: dict, b: dict) -> list[str]:
    said = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) == b.get(k):
            continue
        if isinstance(a.get(k), dict) and isinstance(b.get(k), dict):
            cols = [c for c in a[k] if a[k].get(c) != b[k].get(c)]
            said.append(f"{k} ({', '.join(cols[:12])}{' ...' if len(cols) > 12 else ''})")
        else:
            said.append(k)
    return said


def main() -> None:
    parser = sameness_parser(__doc__, "only the inputs whose path matches this regex")
    args = parser.parse_args()
    if args.child:
        child(args.files)
        return
    with tempfile.TemporaryDirectory(prefix="model_sameness_") as tmp:
        files = [*SIMS, *(str(p) for p in inputs(Path(tmp)))]
        if SAMPLES.is_dir():
            files += sorted(str(p) for p in SAMPLES.rglob("*") if p.is_dir() and any(p.glob("*.json")))
        if args.only:
            files = [f for f in files if re.search(args.only, f)]
        r_ours, r_base = both_sides(__file__, files, args, tmp)
        bad = moves = runs = fits = 0
        for f, a, b in zip(files, r_ours, r_base, strict=True):
            fits += "fit" in a
            moves += a.get("frame", {}).get("rows", 0)
            runs += max(len(a.get("predict", [])) - 1, 0)
            if a != b:
                bad += 1
                print(f"DIFFERS {shown(f)}: {'; '.join(_what(a, b))}")
        print(
            f"{len(files)} inputs; {moves} moves framed (ours), {runs} runs predicted; each framed twice, "
            f"predicted whole and its first run alone; {fits} fitted on their labelled runs; {bad} differ"
        )
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

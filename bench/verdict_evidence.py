"""The log-only verdict with and without the run's own evidence (workbench/attribution/_evidence.py).

Per set of labelled failed runs: the pretrained BlameModel's culprit agent, how often each kind of
evidence exists and names the labelled culprit, and the verdict with the evidence weighed in.

    python bench/verdict_evidence.py [--hand-crafted HC] [--sim N] [--real FILE=CULPRIT ...] [--unknown]

Who&When Algorithm-Generated is read from ../shared/samples (skipped when absent), Hand-Crafted from
--hand-crafted (a folder of its *.json). --real: a trace file and the agent planted as its culprit (every
run of the file that investigate attributes gets that label); --unknown also scores the file's runs of
unknown outcome (which investigate lists as flagged, not failed). The pretrained model was fitted on
Who&When, so its accuracy there is in-sample: what matters is the difference the evidence makes.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import workbench as wb  # noqa: E402
from workbench._failed import failed_run_ids  # noqa: E402
from workbench.attribution import BlameModel  # noqa: E402
from workbench.attribution._evidence import combine, run_evidence  # noqa: E402
from workbench.attribution._heuristics import culprit_labels  # noqa: E402
from workbench.detect import detect  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
if not SAMPLES.exists():
    SAMPLES = Path("/work/shared/samples")


def _score(
    name: str, ws: wb.Workspace, truth: dict[str, set[str]], runs: list[str], model: BlameModel
) -> list:
    runs = [r for r in runs if r in truth]
    if not runs:
        return [name, 0] + ["-"] * 9
    _, steps, agents = model._predict(ws, runs)
    verdicts = model.predict(ws, runs)
    ev = run_evidence(ws, runs)
    both = combine(verdicts, agents, ev, model.uncertain_below)
    right_m = sum(a in truth[r] for r, a in zip(both.run_id, both.model_agent, strict=True))
    right_c = sum(a in truth[r] for r, a in zip(both.run_id, both.agent, strict=True))
    per = {}
    for kind in ("error", "silent_failure", "gave_up", "ping_pong"):
        k = ev[ev.evidence == kind]
        per[kind] = f"{sum(a in truth[r] for r, a in zip(k.run_id, k.agent, strict=True))}/{len(k)}"
    gained = sum(
        (a in truth[r]) and (m not in truth[r])
        for r, a, m in zip(both.run_id, both.agent, both.model_agent, strict=True)
    )
    lost = sum(
        (a not in truth[r]) and (m in truth[r])
        for r, a, m in zip(both.run_id, both.agent, both.model_agent, strict=True)
    )
    conf_m = both.model_confidence.mean()
    conf_c = both.agent_confidence.mean()
    return [
        name,
        len(runs),
        f"{right_m} ({right_m / len(runs):.1%})",
        f"{right_c} ({right_c / len(runs):.1%})",
        per["error"],
        per["silent_failure"],
        per["gave_up"],
        per["ping_pong"],
        f"+{gained} / -{lost}",
        f"{conf_m:.2f}",
        f"{conf_c:.2f}",
    ]


def _detected(ws: wb.Workspace) -> wb.Workspace:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detect(ws, progress=False)
    return ws


def _labelled(ws: wb.Workspace) -> dict[str, set[str]]:
    lab = culprit_labels(ws)
    out: dict[str, set[str]] = {}
    for r, a in zip(lab.run_id, lab.agent, strict=True):
        if isinstance(a, str):
            out.setdefault(r, set()).add(a)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hand-crafted", type=Path)
    ap.add_argument("--sim", type=int, default=0, help="failed wb.sim.procurement(seed=303) runs to add")
    ap.add_argument("--real", nargs="*", default=[], help="FILE=CULPRIT")
    ap.add_argument("--unknown", action="store_true", help="also score real runs of unknown outcome")
    args = ap.parse_args()
    model = BlameModel.pretrained()
    rows = []
    ag = SAMPLES / "whowhen-algorithm-generated"
    sets = []
    if ag.exists():
        sets.append(("Who&When Alg-Gen", sorted(ag.glob("*.json"))))
    if args.hand_crafted:
        sets.append(("Who&When Hand-Crafted", sorted(args.hand_crafted.glob("*.json"))))
    for name, files in sets:
        ws = _detected(wb.open())
        ws.ingest([str(p) for p in files], format="whowhen", progress=False)
        _detected(ws)
        rows.append(_score(name, ws, _labelled(ws), failed_run_ids(ws), model))
    if args.sim:
        ws = wb.open()
        ws.ingest(wb.sim.procurement(seed=303, fault_rate=1.0).generate(args.sim), progress=False)
        _detected(ws)
        rows.append(_score(f"simulator seed 303 ({args.sim})", ws, _labelled(ws), failed_run_ids(ws), model))
    real_failed, real_unknown = [], []
    for spec in args.real:
        path, culprit = spec.rsplit("=", 1)
        ws = wb.open()
        ws.ingest([path], progress=False)
        _detected(ws)
        failed = failed_run_ids(ws)
        everything = [r for (r,) in ws.sql("SELECT run_id FROM runs").fetchall()]
        truth = {r: {culprit} for r in everything}
        row = _score(f"{Path(path).parent.name}/{Path(path).name}", ws, truth, failed, model)
        if row[1]:
            real_failed.append(row)
        if args.unknown:
            unknown = [r for r in everything if r not in failed]
            row = _score(
                f"{Path(path).parent.name}/{Path(path).name} (unknown outcome)", ws, truth, unknown, model
            )
            if row[1]:
                real_unknown.append(row)
    head = [
        "set",
        "runs",
        "model right",
        "with evidence right",
        "error ev. right/n",
        "silent ev. right/n",
        "gave_up ev. right/n",
        "ping_pong ev. right/n",
        "changed +/-",
        "mean conf. model",
        "mean conf. verdict",
    ]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows + real_failed + real_unknown:
        print("| " + " | ".join(str(x) for x in r) + " |")


if __name__ == "__main__":
    main()

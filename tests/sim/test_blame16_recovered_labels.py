"""A fault a failed run recovered from is no culprit of its failure (issue 12, blame16).

The simulator labelled every fault that fired with its agent and step, including a rate limit the
retriever retried through, in a run that failed later at the verifier. Read as ground truth
(``culprit_labels``: a label naming an agent or step of a failed run), that taught the attribution
model that a retried, recovered call marks the culprit (blame14/15: 13 of the 27 recovered
rate-limit/timeout faults of the public-sets mix were culprit labels). Now a failed run's recovered
fault keeps its kind (the retry detector is scored on it) and names no agent or step.
"""

from __future__ import annotations

import workbench as wb
import workbench.sim as sim
from workbench.attribution._heuristics import culprit_labels


def _failed_with_recovered(runs: list[sim.SimRun]) -> list[sim.SimRun]:
    return [r for r in runs if not r.success and any(r.recovered.values())]


def test_a_failed_runs_recovered_fault_names_no_culprit(runs: list[sim.SimRun]) -> None:
    mixed = _failed_with_recovered(runs)
    assert len(mixed) >= 10
    for run in mixed:
        for f, lab in zip(run.faults, run.labels()[1:], strict=True):
            assert lab["kind"] == f.kind
            if run.recovered[f.fid]:
                assert "agent" not in lab and "step_id" not in lab, (run.run_id, lab)
                # where it struck is still said, for a reader of the label
                assert f.agent in lab["detail"] and run.fault_steps[f.fid] in lab["detail"]
            else:
                assert (lab["agent"], lab["step_id"]) == (f.agent, run.fault_steps[f.fid])


def test_culprit_labels_of_the_ingested_runs_are_the_faults_not_recovered(runs: list[sim.SimRun]) -> None:
    ws = wb.open()
    failed = [r for r in runs if not r.success and r.faults]
    ws.ingest(failed, progress=False)
    got = culprit_labels(ws).groupby("run_id")["agent"].apply(set).to_dict()
    want = {r.run_id: {f.agent for f in r.faults if not r.recovered[f.fid]} for r in failed}
    assert got == {k: v for k, v in want.items() if v}
    # a recovered rate limit or timeout of a failed run is among them, and not a culprit
    env = [
        (r, f) for r in failed for f in r.faults if f.kind in ("rate_limit", "timeout") and r.recovered[f.fid]
    ]
    assert env and all(f.agent not in got.get(r.run_id, set()) for r, f in env)


def test_the_kind_of_a_recovered_fault_still_counts_for_the_detectors(runs: list[sim.SimRun]) -> None:
    ws = wb.open()
    mixed = _failed_with_recovered(runs)
    ws.ingest(mixed, progress=False)
    kinds = ws.sql("SELECT run_id, kind FROM labels WHERE kind IS NOT NULL AND source = 'ground_truth'").df()
    want = sorted((r.run_id, f.kind) for r in mixed for f in r.faults)
    assert sorted(kinds.itertuples(index=False, name=None)) == want

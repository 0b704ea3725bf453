"""ux27: what ux26's walk left in the views.

- A failed run with no ``replay=`` showed a disabled "Compute attribution": a control that could never do
  anything in that explorer. It is hidden; the panel says in words to pass ``replay=``.
- FindingsOverview's detector box was blank on opening and after ``detector.value = None`` from code (a value of
  None selects no option, not the "(pick one)" option whose value is None).
"""

from __future__ import annotations

import warnings

import workbench as wb
from workbench.widgets import FindingsOverview, IncidentExplorer


def _store() -> wb.Workspace:
    """Two agents (a planner hands off to a coder), a run per outcome; the failed one's tool call errs twice alike."""
    records: list[dict] = []
    for run, outcome in (("bad", "failure"), ("ok", "success"), ("quiet", "unknown")):
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": outcome})
        moves = [("planner", "llm", "plan"), ("planner", "handoff", "to coder"), ("coder", "tool", "run_tests"),
                 ("coder", "tool", "run_tests"), ("coder", "llm", "answer")]
        records += [{"run_id": run, "step_id": f"{run}-{i}", "agent": agent, "kind": kind, "name": name,
                     "tool": name if kind == "tool" else None, "input": "pytest -x" if kind == "tool" else None,
                     "output": f"{run} {i}", "error": "tool failed" if run == "bad" and i in (2, 3) else None}
                    for i, (agent, kind, name) in enumerate(moves)]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_no_do_nothing_compute_button_without_replay() -> None:
    ws = _store()
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run("bad")
    assert "No replay attribution stored" in ex.verdict.value and "pass <code>replay=</code>" in ex.verdict.value
    assert ex.compute.layout.display == "none", "a disabled button that nothing here can enable"
    with_replay = IncidentExplorer(ws, replay=lambda run_id, intervention: None, blame_model=None)
    with_replay.show_run("bad")
    assert with_replay.compute.layout.display != "none" and not with_replay.compute.disabled
    with_replay.show_run("ok")    # nothing to attribute: no button either
    assert with_replay.compute.layout.display == "none"
    ws.close()


def test_findings_detector_box_never_blank() -> None:
    ws = _store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb.detect(ws)
    fo = FindingsOverview(ws)
    detectors = [v for _, v in fo.detector.options if v is not None]
    assert detectors, fo.detector.options
    assert fo.detector.label == "(pick one)" and fo.detector.value is None      # opens on it
    fo.detector.value = detectors[0]
    assert f"<b>{detectors[0]}</b>" in fo.runs.value
    fo.detector.value = None                                                     # back, from code
    assert fo.detector.label == "(pick one)" and fo.detector.index == 0 and fo.runs.value == ""
    ws.close()

"""The IncidentExplorer names a run's labelled culprit (Who&When's mistake_agent and mistake_step, a reviewer's
``ws.label``) in the run's header: it showed the task and the outcome but not who the labels say caused the
failure, so an SRE comparing a verdict with the known answer had to query ``ws.labels`` by hand. With no decisive
or flagged step, the step panel opens on the labelled step (it opened on the first turn)."""

from __future__ import annotations

import json

import workbench as wb
from workbench.widgets import IncidentExplorer

XSS = "<img src=x onerror=alert(1)>"


def _whowhen(tmp_path, n: int = 2) -> wb.Workspace:  # noqa: ANN001
    for k in range(n):
        (tmp_path / f"{k}.json").write_text(
            json.dumps(
                {
                    "question": f"How many records in file {k}?",
                    "ground_truth": "42",
                    "is_correct": False,
                    "history": [
                        {"name": "Planner", "role": "assistant", "content": "Plan: count the rows."},
                        {"name": "Coder" + XSS, "role": "assistant", "content": "I count 41 rows."},
                        {"name": "Verifier", "role": "assistant", "content": "41 looks right. TERMINATE"},
                    ],
                    "mistake_agent": "Coder" + XSS,
                    "mistake_step": "1",
                    "mistake_reason": f"miscounted {k} " + XSS,
                }
            )
        )
    ws = wb.open()
    ws.ingest(str(tmp_path), progress=False)
    return ws


def test_header_names_the_labelled_culprit(tmp_path) -> None:  # noqa: ANN001
    ws = _whowhen(tmp_path)
    ex = IncidentExplorer(ws, blame_model=None)  # (the header and step panel are checked: no verdict scored)
    for run_id in ws.runs().run_id:
        ex.show_run(run_id)
        label = ws.labels(run_id).iloc[0]
        head = ex.header.value
        assert "labelled culprit" in head, head
        assert f"Coder&lt;img src=x onerror=alert(1)&gt; at step {label.step_id}" in head, head
        assert "miscounted" in head and XSS not in head
        # no detector ran and no attribution is stored: the step panel opens on it (was the task's first turn)
        assert ex.step.value == label.step_id, (ex.step.value, label.step_id)
    ws.close()


def test_no_label_no_row_and_reviewer_label_shows(tmp_path) -> None:  # noqa: ANN001
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "r1", "outcome": "failure"},
            {"run_id": "r1", "step_id": "s0", "agent": "a", "kind": "llm", "name": "n"},
            {"run_id": "r1", "step_id": "s1", "agent": "b", "kind": "llm", "name": "n"},
        ],
        progress=False,
    )
    ex = IncidentExplorer(ws, blame_model=None)  # (the header and step panel are checked: no verdict scored)
    ex.show_run("r1")
    assert "labelled culprit" not in ex.header.value
    ws.label("r1", agent="b")  # a reviewer's label: an agent, no step
    ex.show_run("r1")
    assert "labelled culprit" in ex.header.value and ">b<" in ex.header.value.replace(" (", "<")
    ws.close()

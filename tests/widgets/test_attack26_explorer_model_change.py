"""attack26: the IncidentExplorer's kept log-only verdict is the model's as it is now.

The verdict was kept per run under the model's id and the run's content: ``model.set_params(...)`` (or a
``fit`` in place, the same object) left the view showing the old model's verdict until the widget was made
again ("uncertain" at ``uncertain_below=0``). The content key still spares a rescoring when nothing changed.
"""

from __future__ import annotations

import re
from unittest import mock

import workbench as wb
from workbench.attribution import _evidence
from workbench.widgets import IncidentExplorer


def _ws() -> wb.Workspace:
    records: list[dict] = []
    for r in range(4):
        run, t = f"r{r:02d}", f"2026-03-01T10:{r:02d}"
        records.append({"record": "run", "run_id": run, "system": "support", "outcome": "failure"})
        records += [
            {
                "run_id": run,
                "step_id": f"s{i}",
                "agent": ["planner", "coder", "critic"][i % 3],
                "kind": "llm",
                "name": "n",
                "output": f"answer {i} of run {run}",
                "started_at": f"{t}:{i:02d}Z",
                "ended_at": f"{t}:{i:02d}.5Z",
            }
            for i in range(5)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _text(ex: IncidentExplorer) -> str:
    return re.sub("<[^>]+>", "", ex.verdict.value)


def test_a_changed_model_is_scored_again_and_an_unchanged_one_is_not() -> None:
    ws = _ws()
    # (the confidence rule, which uncertain_below governs; span46 made a score margin the default)
    model = wb.BlameModel.pretrained().set_params(uncertain_below=1.0, uncertain_margin=None)
    with mock.patch.object(
        _evidence, "predict_with_evidence", wraps=_evidence.predict_with_evidence
    ) as scored:
        # the run it opens on (the newest, r03) is the run checked: scoring another first cost a scoring (suite52)
        ex = IncidentExplorer(ws, blame_model=model)
        assert ex.run_id == "r03" and scored.call_count == 1
        assert "uncertain)" in _text(ex)
        ex.show_run("r01")
        ex.show_run("r03")
        assert scored.call_count == 2  # (r03 kept: nothing changed)
        model.set_params(uncertain_below=0.0)
        ex.show_run("r01")
        ex.show_run("r03")
        assert scored.call_count == 4
    assert "Log-only BlameModel" in _text(ex) and "uncertain" not in _text(ex)
    fresh = IncidentExplorer(ws, blame_model=model)  # (opens on r03)
    assert fresh.run_id == "r03" and _text(fresh) == _text(ex)

"""The IncidentExplorer says what ``workbench investigate`` says (workbench/_lineage_note.py): where the
run's log-only culprit is not the agent its silent_failure finding traces the wrong answer to (the first
stater of the made-up value), both are named, escaped. On the fixture of test_lead19_lineage_note (the SK
group chat of test_silent13, reported a success, writer first stated the made-up number)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "detect"))  # the fixture's own directory

from test_lead19_lineage_note import _store, _verdict  # noqa: E402

from workbench._lineage_note import lineage_disagreements  # noqa: E402
from workbench.widgets import IncidentExplorer  # noqa: E402

HOSTILE = "<img src=x onerror=alert(1)>"


def _notes(ex: IncidentExplorer) -> list[str]:
    return [p for p in ex.verdict.value.split("<br>") if "wb-lineage-note" in p]


def test_a_stored_culprit_and_the_first_stater_both_named_and_nothing_said_when_they_agree_or_a_replay_decided(
    tmp_path: Path,
) -> None:
    """One store and explorer for both (merged, suite52): a stored log-only culprit other than the first stater is
    named beside it; nothing is said when a later verdict agrees, or a replay decided."""
    ws, run = _store(tmp_path)
    ex = IncidentExplorer(ws)
    ex.show_run(run)
    assert _notes(ex) == []  # no verdict at all
    _verdict(ws, run, "blame_model", "analyst", True, "2025-12-31 00:00:00")  # (before the ones below)
    ex.show_run(run)
    [note] = _notes(ex)
    assert "stored log-only verdict names <b>analyst</b> (uncertain)" in note
    assert "traces the wrong answer to <b>writer</b>, who first stated its value at step <b>" in note
    [(_, _, _, _, step, _)] = lineage_disagreements(ws)
    assert f"at step <b>{step}</b>" in note
    _verdict(ws, run, "blame_model", "writer", False, "2026-01-01 00:00:00")
    ex.show_run(run)
    assert _notes(ex) == []  # the model agrees with the finding
    _verdict(ws, run, "blame_model", "analyst", False, "2026-01-02 00:00:00")
    ex.show_run(run)
    assert len(_notes(ex)) == 1 and "names <b>analyst</b>, but" in _notes(ex)[0]  # its latest verdict
    _verdict(ws, run, "shapley", "analyst", False, "2026-01-01 00:00:00")
    ex.show_run(run)
    assert _notes(ex) == []  # a replay verdict is evidence itself


class _Model:
    """A fitted model's answer for the run (what BlameModel.predict returns): its culprit and step."""

    def __init__(self, agent: str, step: str) -> None:
        self.agent, self.step = agent, step

    def predict(self, ws, runs: list[str]) -> pd.DataFrame:  # noqa: ANN001
        return pd.DataFrame(
            {"run_id": runs, "agent": self.agent, "step_id": self.step, "agent_confidence": 0.4}
        )


def test_the_live_model_culprit_is_compared_too_and_names_are_escaped(tmp_path: Path) -> None:
    ws, run = _store(tmp_path)
    step = ws.sql("SELECT step_id FROM steps WHERE run_id = ? ORDER BY seq LIMIT 1", params=[run]).fetchall()[
        0
    ][0]
    ex = IncidentExplorer(ws, blame_model=_Model(HOSTILE, step))
    ex.show_run(run)
    [note] = _notes(ex)
    assert "log-only BlameModel names <b>&lt;img src=x onerror=alert(1)&gt;</b>" in note
    assert HOSTILE not in ex.verdict.value
    # the same culprit stored and predicted: said once
    _verdict(ws, run, "blame_model", HOSTILE, False, "2026-01-01 00:00:00")
    ex.show_run(run)
    assert len(_notes(ex)) == 1
    # the model names the first stater: nothing to say
    ex2 = IncidentExplorer(ws, blame_model=_Model("writer", step))
    ws.con.execute("DELETE FROM attributions")
    ex2.show_run(run)
    assert _notes(ex2) == []

"""A fault nobody foresaw inside one Who&When turn costs that turn only (left19). Before: the record's guard
caught it, so the turn and every turn after it were lost as one quarantined record (a fault in the third
of 4 turns: read 3 = stored 2 + quarantined 1; in a speaker: read 1 = quarantined 1, no turn stored). The faults are injected where a
turn's speaker and its exit code are read, as a reader's bug or a library's surprise would raise there."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import workbench as wb
from workbench.ingest import whowhen


def _record() -> dict:
    return {
        "is_correct": False,
        "question": "q",
        "ground_truth": "a",
        "mistake_agent": "Coder",
        "mistake_step": "1",
        "mistake_reason": "r",
        "history": [
            {"content": "write code", "role": "user", "name": "Planner"},
            {"content": "```python\nprint(1)\n```", "role": "assistant", "name": "Coder"},
            {
                "content": "exitcode: 1 (execution failed)\nCode output: BOOM",
                "role": "user",
                "name": "Computer_terminal",
            },
            {"content": "done", "role": "assistant", "name": "Planner"},
        ],
    }


class _Exploding:
    """_EXIT, but a turn saying BOOM makes it raise."""

    def match(self, text: str) -> Any:
        if "BOOM" in text:
            raise RuntimeError("regex engine surprise")
        return re.compile(r"^\s*exitcode:\s*(-?\d+)()").match(text)


def _speaker(turn: dict) -> Any:
    if turn.get("name") == "Coder":
        raise KeyError("surprise")
    return _original_speaker(turn)


_original_speaker = whowhen._speaker


@pytest.mark.parametrize(("where", "bad"), [("exit code", "t002"), ("speaker", "t001")])
def test_one_turn_fault_costs_that_turn_only(
    where: str, bad: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if where == "exit code":
        monkeypatch.setattr(whowhen, "_EXIT", _Exploding())
    else:
        monkeypatch.setattr(whowhen, "_speaker", _speaker)
    path = tmp_path / "ww.json"
    path.write_text(json.dumps(_record()), encoding="utf-8")
    ws = wb.open()
    rep = ws.ingest(path, progress=False, format="whowhen")
    assert (rep.read, rep.stored, rep.quarantined) == (4, 3, 1)
    assert [r[0] for r in ws.sql("SELECT step_id FROM steps ORDER BY step_id").fetchall()] == sorted(
        {"t000", "t001", "t002", "t003"} - {bad}
    )
    q = ws.sql("SELECT file, line, step_id, reason FROM quarantine").fetchall()
    assert len(q) == 1 and q[0][0].endswith("ww.json") and q[0][1] == 1 and q[0][2] == bad
    assert "could not be read" in q[0][3]
    assert ws.sql("SELECT count(*) FROM labels").fetchall() == [(1,)]  # the culprit label still stands

"""A Who&When terminal turn whose exit code has thousands of digits (attack18). The reader read the code with
``int()``, which refuses more than 4,300 digits: the ValueError left the turn loop, so that turn and every turn
after it were lost as one record ("read 3 = stored 2 + quarantined 1" of a 4-turn history)."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb


def _history(code: str) -> dict:
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
                "content": f"exitcode: {code} (execution failed)\nCode output: boom",
                "role": "user",
                "name": "Computer_terminal",
            },
            {"content": "done", "role": "assistant", "name": "Planner"},
        ],
    }


_CODES = [("9" * 5000, "error"), ("-" + "0" * 5000, "unset"), ("1", "error")]


def test_every_turn_is_read_whatever_the_exit_code(tmp_path: Path) -> None:
    # (a file a code, all in one call: each history a run of its own)
    paths = []
    for n, (code, _) in enumerate(_CODES):
        paths.append(tmp_path / f"ww{n}.json")
        paths[-1].write_text(json.dumps(_history(code)), encoding="utf-8")
    ws = wb.open()
    report = ws.ingest(paths, progress=False, format="whowhen")
    assert (report.read, report.stored, report.quarantined) == (4 * len(_CODES), 4 * len(_CODES), 0)
    # a record cut short, its history first (Hand-Crafted's order, the mistake keys lost): quarantined as broken,
    # where its format went untold ("not in any known format": alone an error, in a folder skipped, uncounted)
    record = _history("1")
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps({"history": record.pop("history"), **record}, indent=4)[:300], encoding="utf-8")
    broken = wb.open().ingest(cut, progress=False)
    assert (broken.read, broken.quarantined) == (1, 1) and "broken JSON" in broken.errors[0]
    for path, (code, status) in zip(paths, _CODES, strict=True):
        statuses = dict(
            ws.sql("SELECT step_id, status FROM steps WHERE file = ?", [str(path.resolve())]).fetchall()
        )
        assert statuses == {"t000": "unset", "t001": "unset", "t002": status, "t003": "unset"}, code[:8]

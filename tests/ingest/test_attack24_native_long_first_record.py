"""A workbench JSONL file whose first record is longer than the 64 KB the format is sniffed from (a first LLM step
holding a 100 KB prompt) was "not in any known format": one file raised FormatError, a folder left it out (attack24).
The cut record is taken as this format when it names its kind at its top level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.exceptions import FormatError


def _write(path: Path, first: dict) -> Path:
    rest = {
        "record": "step",
        "run_id": "r1",
        "step_id": "s2",
        "parent_id": "s1",
        "agent": "writer",
        "kind": "llm",
        "output": "done",
    }
    path.write_text(json.dumps(first) + "\n" + json.dumps(rest) + "\n")
    return path


PROMPT = "Summarise the filing. " * 5000  # 110 KB


def test_attack24_long_first_record_is_read(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    log = _write(
        tmp_path / "logs" / "run.jsonl",
        {
            "record": "step",
            "run_id": "r1",
            "step_id": "s1",
            "agent": "planner",
            "kind": "llm",
            "input": PROMPT,
        },
    )
    ws = wb.open()
    rep = ws.ingest(log, progress=False)  # old code: FormatError, not in any known format
    assert (rep.read, rep.stored, rep.quarantined) == (2, 2, 0)
    assert ws.sql("SELECT length(input) FROM steps WHERE step_id = 's1'").fetchall() == [(len(PROMPT),)]
    folder = wb.open()
    rep = folder.ingest(tmp_path / "logs", progress=False)  # old code: the file skipped
    assert (rep.read, rep.stored, rep.skipped) == (2, 2, [])


@pytest.mark.parametrize(
    "first",
    [
        {"input": PROMPT, "run_id": "r1", "step_id": "s1"},  # the kind past the head
        {"meta": {"record": "step"}, "input": PROMPT},  # nested, not the record's
        {"input": '"record": "step"' + PROMPT},  # inside a string
    ],
    ids=["past-head", "nested", "in-string"],
)
def test_attack24_cut_record_without_its_kind_is_not_guessed(tmp_path: Path, first: dict) -> None:
    log = _write(tmp_path / "run.jsonl", first)
    with pytest.raises(FormatError, match="not in any known format"):
        wb.open().ingest(log, progress=False)

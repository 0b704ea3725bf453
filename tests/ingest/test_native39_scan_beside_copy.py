"""The whole-file path's line count and lenient scan run beside the steps' copy: the steps of lines they
hand back (or of a file they send to the block path) are taken out of the stage again, counted once."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

from test_native_fast import good_lines
from test_native_file import stage_file, staged

from workbench.ingest import _native_file

# Steps DuckDB's reader reads whole and only the raw-text scan finds lenient (a trailing comma, NaN in a key
# the format does not use): broken JSON to the Python reader.
_LENIENT_STEPS = [
    '{"record": "step", "run_id": "r1", "step_id": "late1", "seq": 50, "kind": "llm",}',
    '{"record": "step", "run_id": "r1", "step_id": "late2", "seq": 51, "extra": NaN}',
]


def _taken_back(path: Path) -> tuple[dict, bool, list[int]]:
    """The stage of ``path`` (fast), whether it was read whole, and the steps taken back (their count, per call)."""
    calls: list[int] = []
    real = _native_file._take_back

    def spy(con, stage, first, lines=None):  # noqa: ANN001, ANN202
        before = stage.read
        real(con, stage, first, lines)
        calls.append(before - stage.read)

    with mock.patch.object(_native_file, "_take_back", spy):
        con, stage, whole = stage_file(path, fast=True)
    return staged(con, stage), whole, calls


def test_steps_of_lenient_lines_are_taken_back_and_quarantined_once(tmp_path: Path) -> None:
    path = tmp_path / "lenient.jsonl"
    path.write_text("\n".join([*good_lines(), *_LENIENT_STEPS, *good_lines()[1:3]]) + "\n", encoding="utf-8")
    fast, whole, calls = _taken_back(path)
    assert whole
    assert calls == [2]  # both steps were staged by the copy, then taken out
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])
    lenient = {len(good_lines()) + 1, len(good_lines()) + 2}
    assert {r["line"] for r in fast["quarantine"]} == lenient
    assert all(r["reason"].startswith("broken JSON") for r in fast["quarantine"])
    assert not lenient & {r["line"] for r in fast["steps"]}


def test_steps_repeating_a_key_in_a_file_cut_off_are_taken_back(tmp_path: Path) -> None:
    # (read with ignore_errors at once: the repeated key is found after the copy, by _repeated_keys)
    repeat = '{"record": "step", "run_id": "r1", "step_id": "twice", "seq": 60, "name": "a", "name": "b"}'
    path = tmp_path / "cut.jsonl"
    path.write_text(
        "\n".join([*good_lines(), repeat, *good_lines()[1:3]]) + '\n{"record": "step", "run_',
        encoding="utf-8",
    )
    fast, whole, calls = _taken_back(path)
    assert whole
    assert calls == [1]
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])
    assert [r["name"] for r in fast["steps"] if r["step_id"] == "twice"] == [
        "b"
    ]  # the Python reader's: the last


def test_a_file_sent_to_the_block_path_after_the_copy_stages_each_step_once(tmp_path: Path) -> None:
    # 120 of 420 lines lenient, past the 2 % the whole-file path hands back: the block path reads them all
    lines = [json.dumps({"record": "step", "run_id": "r9", "step_id": f"s{i}", "seq": i}) for i in range(300)]
    lines += [
        json.dumps({"record": "step", "run_id": "r9", "step_id": f"x{i}", "seq": i})[:-1]
        + ', "kind": "llm",}'
        for i in range(120)
    ]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, whole, calls = _taken_back(path)
    assert not whole and calls == [420]  # every step the copy staged taken out again
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert len(fast["steps"]) == 300 and len(fast["quarantine"]) == 120
    assert fast["read"] == 420

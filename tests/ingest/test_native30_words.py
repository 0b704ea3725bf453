"""The whole-file native read takes the keys read only as words (record, kind, status, outcome) as text, not typed
JSON: a number, true, false, object or array there is no word the checks take, and a label's kind (free text) is
looked at in Python when it may not be a string. Staged as the Python reader stages them, whatever they hold."""

from __future__ import annotations

import json
from pathlib import Path

from test_native_fast import good_lines
from test_native_file import stage_file, stage_whole_file, staged

from workbench.ingest import _native_file

_NOT_TEXT = (5, -1.5, True, False, {"a": "b"}, ["step"], ["x"], 0)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_word_keys_holding_anything_but_text_are_staged_as_the_python_reader_stages_them(
    tmp_path: Path,
) -> None:
    assert all(f"{k}: 'VARCHAR'" in _native_file._columns() for k in _native_file._WORDS)
    lines = [*good_lines()]
    read, ignored = [], []  # lines whose record type reads the key (Python decides), and those it does not
    for i, value in enumerate(_NOT_TEXT):
        recs = {
            "record": [{"record": value, "run_id": "r1", "step_id": f"a{i}"}],
            "kind": [
                {"record": "step", "run_id": "r1", "step_id": f"k{i}", "seq": 200 + i, "kind": value},
                {"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": f"k{i}", "kind": value},
                {"record": "label", "run_id": "r1", "step_id": "s1", "kind": value},
            ],
            "status": [
                {"record": "step", "run_id": "r1", "step_id": f"t{i}", "seq": 300 + i, "status": value}
            ],
            "outcome": [
                {"record": "run", "run_id": f"o{i}", "outcome": value},
                {"record": "label", "run_id": "r1", "agent": "planner", "outcome": value},
            ],
        }
        for rec in (r for group in recs.values() for r in group):
            lines.append(json.dumps(rec))
            read.append(len(lines))
        # a key the record type does not read: the Python reader stores the record as if it were absent
        for rec in (
            {"record": "run", "run_id": f"q{i}", "status": value, "kind": value},
            {"record": "step", "run_id": "r1", "step_id": f"u{i}", "seq": 400 + i, "outcome": value},
        ):
            lines.append(json.dumps(rec))
            ignored.append(len(lines))
    path = _write(tmp_path / "words.jsonl", lines + good_lines()[1:])  # (under 2 % handed back: read whole)
    con, stage, handed = stage_whole_file(path)
    assert set(read) <= set(handed)
    assert not set(ignored) & set(handed)
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])
    assert {r["run_id"] for r in fast["runs"]} >= {f"q{i}" for i in range(len(_NOT_TEXT))}


def test_a_label_kind_that_only_looks_like_json_is_read_whole(tmp_path: Path) -> None:
    # text that a number, true, false, an object or an array written as JSON would read as: the line is looked
    # at in Python, which finds a string, and the record stays on the fast path
    looks = ("5", "-1.5", "true", "false", '{"a": 1}', "[1]", "1e5")
    lines = [*good_lines()]
    for kind in looks:
        lines.append(
            json.dumps(
                {"record": "label", "run_id": "r1", "step_id": "s1", "kind": kind, "outcome": "failure"}
            )
        )
    path = _write(tmp_path / "label_kinds.jsonl", lines + good_lines()[1:] * 30)
    con, stage, handed = stage_whole_file(path)
    labels = staged(con, stage)["labels"]
    assert {r["kind"] for r in labels} >= set(looks)
    assert not set(range(len(good_lines()) + 1, len(good_lines()) + len(looks) + 1)) & set(handed)
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])

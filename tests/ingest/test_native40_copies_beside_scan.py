"""The whole-file path copies runs, edges and labels out of the mapped table beside the line count and lenient
scan, as it copies the steps: should the scan hand back a run's, an edge's or a label's line (or send the file
to the block path), those copies are taken back whole, so every record is staged once, as the Python reader
stages it."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from unittest import mock

import duckdb
from test_native_fast import good_lines
from test_native_file import stage_file, staged

from workbench.ingest import _native_file
from workbench.ingest._base import Stage, create_stage_tables
from workbench.ingest.native import NativeJsonl

# A run, an edge and a label DuckDB's reader reads whole and only the raw-text scan finds lenient (a trailing
# comma, NaN in a key the format does not use): broken JSON to the Python reader.
_LENIENT_OTHERS = [
    '{"record": "run", "run_id": "r7", "system": "sys", "outcome": "success",}',
    '{"record": "edge", "run_id": "r1", "src_step": "s1", "dst_step": "s3", "kind": "consumes", "w": NaN}',
    '{"record": "label", "run_id": "r1", "agent": "planner", "kind": "hallucination", "outcome": "failure",}',
]


def _spied(paths: list[Path]) -> tuple[dict, list[bool], int]:
    """The stage of ``paths`` read in one call (fast), whether each was read whole, and how many times the
    copies of runs, edges and labels were taken back."""
    con = duckdb.connect()
    stage = Stage(con, source="native")
    create_stage_tables(con)
    taken = []
    real = _native_file._take_back_out

    def spy(con, firsts):  # noqa: ANN001, ANN202
        taken.append(firsts)
        real(con, firsts)

    whole = []
    with mock.patch.object(_native_file, "_take_back_out", spy):
        for path in paths:
            stage.file = str(path)
            whole.append(_native_file.stage_native_file(path, stage, _slow()))
    for path, read in zip(paths, whole, strict=True):
        if not read:
            raise AssertionError(f"{path} took the block path")
    stage.flush()
    return staged(con, stage), whole, len(taken)


def _slow():  # noqa: ANN202
    from workbench.ingest.native import stage_line

    return stage_line


def _python_reader(paths: list[Path]) -> dict:
    con = duckdb.connect()
    stage = Stage(con, source="native")
    create_stage_tables(con)
    for path in paths:
        stage.file = str(path)
        NativeJsonl(fast=False).stage(path, stage)
    stage.flush()
    return staged(con, stage)


def test_a_lenient_run_edge_and_label_are_quarantined_and_the_rest_staged_once(tmp_path: Path) -> None:
    path = tmp_path / "lenient.jsonl"
    path.write_text("\n".join([*good_lines(), *_LENIENT_OTHERS, *good_lines()[1:3]]) + "\n", encoding="utf-8")
    fast, whole, taken = _spied([path])
    assert whole == [True]
    assert taken == 1  # copied beside the scan, taken back once, copied again
    assert fast == _python_reader([path])
    n = len(good_lines())
    assert {r["line"] for r in fast["quarantine"]} == {n + 1, n + 2, n + 3}
    assert all(r["reason"].startswith("broken JSON") for r in fast["quarantine"])
    assert len(fast["edges"]) == 1 and len(fast["labels"]) == 2 and len(fast["runs"]) == 1


def test_a_lenient_step_alone_leaves_the_other_copies_in_place(tmp_path: Path) -> None:
    lenient_step = '{"record": "step", "run_id": "r1", "step_id": "late", "seq": 50, "kind": "llm",}'
    path = tmp_path / "step.jsonl"
    path.write_text("\n".join([*good_lines(), lenient_step]) + "\n", encoding="utf-8")
    fast, whole, taken = _spied([path])
    assert whole == [True] and taken == 0
    assert fast == _python_reader([path])


def test_the_second_file_of_a_call_takes_back_only_its_own_copies(tmp_path: Path) -> None:
    clean, lenient = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    clean.write_text("\n".join(good_lines()) + "\n", encoding="utf-8")
    lenient.write_text("\n".join([*good_lines(), *_LENIENT_OTHERS]) + "\n", encoding="utf-8")
    fast, whole, taken = _spied([clean, lenient])
    assert whole == [True, True] and taken == 1
    assert fast == _python_reader([clean, lenient])
    assert len(fast["edges"]) == 2 and len(fast["labels"]) == 4  # each file's own, none lost, none twice


def test_a_file_sent_to_the_block_path_after_the_copies_stages_each_record_once(tmp_path: Path) -> None:
    # lenient edges past the 2 % the whole-file path hands back: the block path reads the file
    lines = [json.dumps({"record": "run", "run_id": "r9", "system": "s"})]
    lines += [
        json.dumps({"record": "step", "run_id": "r9", "step_id": f"s{i}", "seq": i}) for i in range(300)
    ]
    lines += [
        json.dumps(
            {
                "record": "edge",
                "run_id": "r9",
                "src_step": f"s{i}",
                "dst_step": f"s{i + 1}",
                "kind": "handoff",
            }
        )
        for i in range(200)
    ]
    lines += [
        json.dumps(
            {"record": "edge", "run_id": "r9", "src_step": f"s{i}", "dst_step": "s0", "kind": "consumes"}
        )[:-1]
        + ', "w": 1,}'
        for i in range(120)
    ]
    lines += [json.dumps({"record": "label", "run_id": "r9", "outcome": "success"})]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    calls = []
    real = _native_file._take_back_out
    with mock.patch.object(
        _native_file, "_take_back_out", lambda con, firsts: (calls.append(1), real(con, firsts))
    ):
        con, stage, whole = stage_file(path, fast=True)
    assert not whole and calls == [1]
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert len(fast["edges"]) == 200 and len(fast["labels"]) == 1 and len(fast["runs"]) == 1
    assert len(fast["quarantine"]) == 120


def test_the_copies_run_while_the_line_pass_runs(tmp_path: Path) -> None:
    # (the pass waits until the labels' copy, the last, has run: were the copies after the pass, it would
    # give up waiting and say so; a wait, not a measure of time)
    path = tmp_path / "clean.jsonl"
    path.write_text("\n".join(good_lines()) + "\n", encoding="utf-8")
    copied, seen = threading.Event(), []
    real_count, real_out = _native_file.last_text_line, _native_file._copy_out

    def counting(*args):  # noqa: ANN002, ANN202
        out = real_count(*args)
        seen.append(copied.wait(timeout=60))
        return out

    def copy_out(*args):  # noqa: ANN002, ANN202
        real_out(*args)
        copied.set()

    with (
        mock.patch.object(_native_file, "last_text_line", counting),
        mock.patch.object(_native_file, "_copy_out", copy_out),
    ):
        con, stage, whole = stage_file(path, fast=True)
    assert whole and seen == [True]
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])

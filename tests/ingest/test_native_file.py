"""The whole-file path of the native adapter (DuckDB's read_json over the file) stages what Python stages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from _deep import deep
from _otel_fixtures import rows
from test_native_fast import good_lines, odd_lines

import workbench as wb
from workbench.ingest import _native_file, native
from workbench.ingest._base import Stage, create_stage_tables
from workbench.ingest.native import NativeJsonl

# Odd lines DuckDB's reader reads whole (the rest stop it: the file then takes the block path), and two it
# reads more leniently than the Python reader (see the module doc of _native_file).
_STOPS_THE_READER = ("not json", "[1, 2]", '"text"', '"run_id": "r2"}', '\\ud800"}')
_LENIENT = ('"kind": "llm",}', '"x": 1e999}')


def readable_odd_lines() -> list[str]:
    # (NaN and a number past a double among the log-probabilities: broken JSON to the Python reader)
    nan = [
        '{"record": "step", "run_id": "r1", "step_id": "t40", "seq": 40, "logprobs": [{"logprob": NaN}]}',
        '{"record": "step", "run_id": "r1", "step_id": "t41", "seq": 41, "logprobs": [{"logprob": -0.5, '
        '"top_logprobs": [{"logprob": 1e999}]}]}',
    ]
    return [x for x in odd_lines() if not x.endswith(_STOPS_THE_READER) and not x.endswith(_LENIENT)] + nan


def stage_file(path: Path, fast: bool) -> tuple[duckdb.DuckDBPyConnection, Stage, bool]:
    """Stage ``path`` as the driver does; also whether the whole-file path read it (the block path did not)."""
    con = duckdb.connect()
    stage = Stage(con, source="native")
    create_stage_tables(con)
    stage.file = str(path)
    with mock.patch.object(native, "stage_native_sql", wraps=native.stage_native_sql) as block_path:
        NativeJsonl(fast=fast).stage(path, stage)
    stage.flush()
    return con, stage, fast and not block_path.called


def staged(con: duckdb.DuckDBPyConnection, stage: Stage) -> dict:
    out = {
        t: rows(con, f"stage_{t}", order)
        for t, order in (
            ("steps", "line"),
            ("runs", "line"),
            ("edges", "ALL"),
            ("labels", "ALL"),
            ("quarantine", "line, reason"),
        )
    }
    out["steps"] = [dict(r, raw=None) for r in out["steps"]]  # the fast paths keep no text for staged steps
    return out | {"read": stage.read}


# The readable odd lines plain and the lines the typed reader stops on gzipped (the whole-file read of either, its
# hand-backs read again from the file); each the other way too with deep()
@pytest.mark.parametrize("gz", [False, True] if deep() else [False])
def test_whole_file_path_stages_what_the_python_path_stages(tmp_path: Path, gz: bool) -> None:
    lines = good_lines() + readable_odd_lines() + good_lines()[1:3]
    text = ("\n".join(lines) + "\n\n  \n").encode()  # blank lines at the end do not shift the numbering
    path = tmp_path / ("odd.jsonl.gz" if gz else "odd.jsonl")
    path.write_bytes(gzip.compress(text) if gz else text)
    con, stage, whole = stage_file(path, fast=True)
    fast = staged(con, stage)
    slow = staged(*stage_file(path, fast=False)[:2])
    assert whole
    assert fast == slow
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])
    assert len(fast["quarantine"]) > 20 and all(r["raw"] for r in fast["quarantine"])
    assert {r["line"] for r in fast["steps"]} >= {2, 3, 4, 5, 6, 7}


def test_blank_lines_inside_the_file_send_it_to_the_block_path(tmp_path: Path) -> None:
    lines = good_lines()
    path = tmp_path / "gaps.jsonl"
    path.write_text("\n".join(lines[:3]) + "\n\n   \n" + "\n".join(lines[3:]) + "\n", encoding="utf-8")
    con, stage, whole = stage_file(path, fast=True)
    assert not whole
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert [r["line"] for r in fast["steps"]] == [2, 3, 6, 7, 8, 9, 13, 14, 15, 16]


def test_a_line_the_reader_stops_on_leaves_only_itself_to_python(tmp_path: Path) -> None:
    # (it sent the whole file to the block path before native24)
    path = tmp_path / "dup.jsonl"
    path.write_text(
        "\n".join([*good_lines(), '{"run_id": "r1", "step_id": "t4", "run_id": "r2"}']) + "\n",
        encoding="utf-8",
    )
    con, stage, whole = stage_file(path, fast=True)
    assert whole
    fast = staged(con, stage)
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert [r["line"] for r in fast["steps"]][-1] == len(
        good_lines()
    ) + 1  # the repeated key: orjson keeps the last run id
    assert fast["steps"][-1]["run_id"] == "r2"


@pytest.mark.parametrize("gz", [False, True] if deep() else [True])
def test_lines_the_reader_stops_on_are_read_whole_with_the_rest(tmp_path: Path, gz: bool) -> None:
    # Every odd line, those the typed reader cannot read at all among them (broken JSON, not an object, a
    # repeated key, a lone surrogate): the file is still read whole, and each such line goes to Python.
    lines = good_lines() + [x for x in odd_lines() if not x.endswith(_LENIENT)] + good_lines()[1:3]
    assert [x for x in lines if x.endswith(_STOPS_THE_READER)]
    text = ("\n".join(lines) + "\n").encode()
    path = tmp_path / ("odd.jsonl.gz" if gz else "odd.jsonl")
    path.write_bytes(gzip.compress(text) if gz else text)
    con, stage, whole = stage_file(path, fast=True)
    fast = staged(con, stage)
    assert whole
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])


def test_a_log_cut_off_in_its_last_line_quarantines_that_line_alone(tmp_path: Path) -> None:
    # A log being written (or cut off by a crash) ends in half a record: that line alone leaves the
    # whole-file read (it sent the whole file to the block path before native24).
    path = tmp_path / "cut.jsonl"
    path.write_text(
        "\n".join(good_lines()) + '\n{"record": "step", "run_id": "r1", "step_id": "s99", "inp',
        encoding="utf-8",
    )
    clean = tmp_path / "clean.jsonl"
    clean.write_text("\n".join(good_lines()) + "\n", encoding="utf-8")
    assert stage_whole_file(path)[2] == [*stage_whole_file(clean)[2], len(good_lines()) + 1]
    ws = wb.open(tmp_path / "store.duckdb")
    with mock.patch.object(native, "stage_native_sql", wraps=native.stage_native_sql) as block_path:
        report = ws.ingest(path, format="native")
    assert not block_path.called
    ws2 = wb.open(tmp_path / "clean.duckdb")
    expected = ws2.ingest(clean, format="native")
    assert report.stored == expected.stored and report.quarantined == expected.quarantined + 1
    assert report.read == report.stored + report.quarantined
    cols = (
        "run_id, step_id, parent_id, agent, kind, name, input, output, attributes, confidence, entropy, line"
    )
    assert (
        ws.sql(f"SELECT {cols} FROM steps ORDER BY line").fetchall()
        == ws2.sql(f"SELECT {cols} FROM steps ORDER BY line").fetchall()
    )
    ((file, line, reason),) = ws.sql(
        "SELECT file, line, reason FROM quarantine WHERE line = ?", [len(good_lines()) + 1]
    ).fetchall()
    assert file == str(path) and reason
    again = ws.ingest(path, format="native")
    assert again.added == 0 and ws.count("quarantine") == report.quarantined
    ws.close()
    ws2.close()


def test_lenient_reads_are_what_the_module_says(tmp_path: Path) -> None:
    # JSON DuckDB's reader takes and the spec does not (a trailing comma, NaN / inf in any case, a number past a
    # double's range), in a key the format does not use or in a nested value: quarantined whichever path reads
    # the file, naming file and line; the same text inside a string is a false alarm that stores the record.
    path = tmp_path / "lenient.jsonl"
    step = '{"record": "step", "run_id": "r1", "step_id": "t%d", "seq": %d, "kind": "llm"%s}'
    odd = [
        ",",
        ', "x": 1e999',
        ', "x": [1, 2 ,]',
        ', "x": -Infinity',
        ', "x": {"y": nan}',
        ', "x": 12E+400',
        ', "input": {"y": 1,}',
        ', "x": [' + "9" * 400 + "]",
        ', "x":NaN',
    ]
    fine = [
        ', "x": "a, }"',
        ', "x": "3e512, inf"',
        ', "x": 1e-999',
        ', "x": 1.5e300',
        ', "x": null',
        ', "x": "financial"',
    ]
    lenient = [step % (i + 1, i + 1, x) for i, x in enumerate(odd + fine)]
    path.write_text("\n".join([*good_lines(), *lenient]) + "\n", encoding="utf-8")
    bad = {f"t{i + 1}" for i in range(len(odd))}
    good = {f"t{i + 1}" for i in range(len(odd), len(odd) + len(fine))}
    first = len(good_lines()) + 1
    for fast in (True, False):
        con, stage, whole = stage_file(path, fast=fast)
        assert whole == fast
        stored = {r["step_id"] for r in rows(con, "stage_steps")}
        assert not bad & stored and good <= stored, fast
        lines = [r["line"] for r in rows(con, "stage_quarantine") if r["line"] >= first]
        assert lines == list(range(first, first + len(odd))), fast


def _stage_files(paths: list[Path], fast: bool) -> tuple[dict, list[bool]]:
    """``paths`` staged in one Stage, as one ingest call stages them; and whether the whole-file path read each."""
    con = duckdb.connect()
    stage = Stage(con, source="native")
    create_stage_tables(con)
    whole = []
    for path in paths:
        stage.file = str(path)
        with mock.patch.object(native, "stage_native_sql", wraps=native.stage_native_sql) as block_path:
            NativeJsonl(fast=fast).stage(path, stage)
        whole.append(fast and not block_path.called)
    stage.flush()
    out = {
        t: rows(con, f"stage_{t}", order)
        for t, order in (
            ("steps", "file, line"),
            ("runs", "file, line"),
            ("edges", "ALL"),
            ("labels", "ALL"),
            ("quarantine", "file, line, reason"),
        )
    }
    out["steps"] = [dict(r, raw=None) for r in out["steps"]]
    return out | {"read": stage.read}, whole


@pytest.mark.parametrize("first", ["whole", "gaps"])
def test_files_after_the_first_in_one_call_stage_what_python_stages(tmp_path: Path, first: str) -> None:
    # A later file's steps join those of earlier files, whichever path read those, with their own lines.
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    gap = "\n\n" if first == "gaps" else "\n"
    a.write_text(
        "\n".join(good_lines()[:3]) + gap + "\n".join(good_lines()[3:] + readable_odd_lines()) + "\n",
        encoding="utf-8",
    )
    b.write_text("\n".join(readable_odd_lines() + good_lines()) + "\n", encoding="utf-8")
    c.write_text("\n".join(good_lines()) + "\n", encoding="utf-8")
    fast, whole = _stage_files([a, b, c], fast=True)
    slow, _ = _stage_files([a, b, c], fast=False)
    assert whole == [first == "whole", True, True]
    assert fast == slow
    assert fast["read"] == len(fast["steps"]) + len(fast["quarantine"])
    for path in (a, b, c):
        text = path.read_text(encoding="utf-8").splitlines()
        for row in fast["steps"]:
            if row["file"] == str(path):
                assert json.loads(text[row["line"] - 1])["step_id"] == row["step_id"]


def test_files_read_whole_in_one_ingest_reconcile_and_add_nothing_again(tmp_path: Path) -> None:
    # (the first file, good and odd lines, is read as it would be alone: the file a test of its own read in a call
    # of its own until round 52, making these checks)
    odd = [x for x in readable_odd_lines() if '"task": {' not in x]
    paths = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    paths[0].write_text("\n".join(good_lines() + odd) + "\n", encoding="utf-8")
    moved = [x.replace('"r1"', '"r7"') for x in odd + good_lines()]
    paths[1].write_text("\n".join(moved) + "\n", encoding="utf-8")
    ws = wb.open(tmp_path / "store.duckdb")
    report = ws.ingest(paths, format="native")
    assert report.read == report.stored + report.quarantined and report.quarantined > 40
    assert ws.count("quarantine") == report.quarantined
    assert ws.sql("SELECT count(DISTINCT file) FROM quarantine WHERE line IS NOT NULL").fetchall()[0][0] == 2
    for file, step_id, line in ws.sql("SELECT file, step_id, line FROM steps").fetchall():
        text = Path(file).read_text(encoding="utf-8").splitlines()
        assert json.loads(text[line - 1])["step_id"] == step_id
    again = ws.ingest(paths, format="native")
    assert again.added == 0 and ws.count("quarantine") == report.quarantined
    ws.close()


def stage_whole_file(path: Path) -> tuple[duckdb.DuckDBPyConnection, Stage, list[int]]:
    """``path`` staged by the whole-file reader: the connection, the stage, and the lines it handed back."""
    con = duckdb.connect()
    stage = Stage(con, source="native")
    create_stage_tables(con)
    stage.file = str(path)
    handed: list[int] = []
    assert _native_file.stage_native_file(
        path, stage, lambda b, n, s: (handed.append(n), native.stage_line(b, n, s))
    )
    stage.flush()
    return con, stage, handed


@pytest.mark.parametrize("null", ["", '{"record": "step", "run_id": "r1", "step_id": "t9", "seq" :\n'])
def test_records_without_record_or_seq_are_read_whole_unless_one_is_null(tmp_path: Path, null: str) -> None:
    # Absent, "record" means a step and "seq" its line; null means something else to the Python reader,
    # and the typed reader reads both alike: a line naming the key it lacks is handed back.
    lines = [x for x in good_lines() if '"seq"' not in x or '"record": "run"' in x]
    if null:
        lines.append(null.replace(":\n", ": " + " " * 300 + "null}"))
    path = tmp_path / "noseq.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    no_seq = [
        n
        for n, x in enumerate(lines, 1)
        if json.loads(x).get("record", "step") == "step" and '"seq"' not in x
    ]
    assert no_seq and not set(no_seq) & set(handed) and (len(lines) in handed if null else True)
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])


def test_text_with_quotes_escapes_or_nothing_reads_as_python_reads_it(tmp_path: Path) -> None:
    # text keys are unquoted by one JSON parse of the string: quotes at either end, escapes, an empty string
    names = ['"quoted"', "", '"', "\\", "tab\there", "line\nbreak", "é\u2028😀", ' "x" ', "a/b"]
    lines = [*good_lines()] + [
        json.dumps(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": f"q{i}",
                "seq": 60 + i,
                "name": name,
                "agent": name or None,
                "error": name,
                "input": name,
                "started_at": "2026-01-01T00:00:01Z",
            },
            ensure_ascii=i % 2 == 0,
        )
        for i, name in enumerate(names)
    ]
    path = tmp_path / "quotes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    fast = staged(con, stage)
    assert not set(handed) & set(range(len(good_lines()) + 1, len(lines) + 1))  # all read by DuckDB
    assert fast == staged(*stage_file(path, fast=False)[:2]) and not fast["quarantine"]
    assert [r["name"] for r in fast["steps"] if r["step_id"].startswith("q")] == names


def test_logprob_statistics_of_many_alternatives_are_python_s(tmp_path: Path) -> None:
    # each token's peak and sum are taken once in SQL: the same numbers, to the bit, as logprob_stats
    lines = [*good_lines()] + [
        json.dumps(
            {
                "record": "step",
                "run_id": "r1",
                "step_id": f"lp{i}",
                "seq": 80 + i,
                "logprobs": [
                    {
                        "token": f"t{j}",
                        "logprob": -0.013 * (i + j),
                        "top_logprobs": [
                            {"token": f"t{j}{m}", "logprob": -0.013 * (i + j) - 0.37 * m - 1e-9 * i}
                            for m in range(2 + (i + j) % 6)
                        ],
                    }
                    for j in range(8)
                ],
            }
        )
        for i in range(12)
    ]
    path = tmp_path / "alternatives.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    con, stage, handed = stage_whole_file(path)
    fast = staged(con, stage)
    assert not set(handed) & set(range(len(good_lines()) + 1, len(lines) + 1))  # all read by DuckDB
    assert fast == staged(*stage_file(path, fast=False)[:2])
    assert all(r["entropy"] > 0 for r in fast["steps"] if r["step_id"].startswith("lp"))


def test_a_head_of_long_logprobs_sends_the_file_to_the_block_path_before_any_read(tmp_path: Path) -> None:
    # 40 tokens with 5 alternatives: 241 brackets a line, each handed back by the whole read's depth check
    tokens = [
        {
            "token": f"w{j}",
            "logprob": -0.5,
            "top_logprobs": [{"token": f"w{j}{m}", "logprob": -0.5 - m} for m in range(5)],
        }
        for j in range(40)
    ]
    lines = [*good_lines()] + [
        json.dumps(
            {"record": "step", "run_id": "r1", "step_id": f"long{i}", "seq": 90 + i, "logprobs": tokens}
        )
        for i in range(30)
    ]
    path = tmp_path / "long.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with mock.patch.object(_native_file, "_read_whole", wraps=_native_file._read_whole) as read:
        con, stage, whole = stage_file(path, fast=True)
    assert not whole and not read.called
    assert staged(con, stage) == staged(*stage_file(path, fast=False)[:2])
    # a few such lines among many: read whole, those few handed back
    path.write_text("\n".join(good_lines() * 30 + lines[-2:]) + "\n", encoding="utf-8")
    assert not _native_file._head_hands_back(path)


@pytest.mark.parametrize("gz", [False, True])
def test_last_text_line_counts_lines_across_chunks_and_trailing_whitespace(tmp_path: Path, gz: bool) -> None:
    chunk = 1024 * 1024  # (_jsonio's chunk: lines and whitespace are placed across its boundaries)
    long_line = b'{"x": "' + b"a" * (chunk + 5000) + b'"}'
    cases = {
        "plain": b'{"a": 1}\n{"a": 2}\n',
        "no final newline": b'{"a": 1}\n{"a": 2}',
        "blank tail": b'{"a": 1}\n\n  \n\t\n',
        "whitespace ends a chunk": b"{}\n" * 1000 + b" " * (chunk - 3000 - 1) + b"\n" + b"{}\n",
        "whitespace tail over chunks": b"{}\n" * 10 + b" \n" * chunk + b"\n",
        "long line": b"{}\n" + long_line + b"\n{}\n  \n",
    }
    for name, data in cases.items():
        path = tmp_path / (name.replace(" ", "_") + (".jsonl.gz" if gz else ".jsonl"))
        path.write_bytes(gzip.compress(data) if gz else data)
        lines = data.split(b"\n")
        want = max(i + 1 for i, line in enumerate(lines) if line.strip())
        last, longest = _native_file.last_text_line(path)
        assert last == want, name
        assert longest >= max(len(line) for line in lines), name
        if name == "long line":
            assert longest == len(long_line)


def test_steps_tied_in_time_are_ordered_by_file_then_line_when_a_run_spans_files(tmp_path: Path) -> None:
    # The numbering of a run's steps leaves the file out of its order only when every staged step names one file
    # (_driver._HOLDS one_file): a run split over two files, its steps tied in time, depth and line, orders the
    # earlier file's first (z1 at line 2 of a.jsonl before b1 at line 2 of b.jsonl, not by step id), as a call of
    # one file orders by line.
    def step(sid: str, parent: str | None, t: int) -> str:
        at = f"2026-01-01T00:00:{t:02d}Z"
        return json.dumps(
            {
                "run_id": "r1",
                "step_id": sid,
                "parent_id": parent,
                "kind": "tool",
                "agent": "x",
                "started_at": at,
                "ended_at": at,
            }  # fmt: skip
        )

    (tmp_path / "b.jsonl").write_text("\n".join(step(f"b{i}", "root", 5) for i in range(3)) + "\n")
    (tmp_path / "a.jsonl").write_text("\n".join([step("root", None, 0), step("z1", "root", 5)]) + "\n")
    ws = wb.open(tmp_path / "store.duckdb")
    ws.ingest([tmp_path / "b.jsonl", tmp_path / "a.jsonl"], format="native")
    order = [s for (s,) in ws.sql("SELECT step_id FROM steps ORDER BY seq").fetchall()]
    assert order == ["root", "b0", "z1", "b1", "b2"]
    ws.ingest(
        tmp_path / "b.jsonl", format="native"
    )  # (one file: its own lines; b's steps stored, nothing new)
    one = wb.open(tmp_path / "one.duckdb")
    one.ingest(tmp_path / "b.jsonl", format="native")
    assert [s for (s,) in one.sql("SELECT step_id FROM steps ORDER BY seq").fetchall()] == ["b0", "b1", "b2"]
    ws.close()
    one.close()

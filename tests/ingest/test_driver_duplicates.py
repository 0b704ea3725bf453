"""The first of two duplicate steps is the first in the input, whichever reader path staged it first."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

RUN = json.dumps({"record": "run", "run_id": "r1", "outcome": "success"})
# A key given twice sends a line to the Python reader (the typed reader may read it leniently); Python
# keeps the last value, so this step is named "slow". The same step without it takes the SQL fast path.
SLOW = (
    '{"record":"step","run_id":"r1","step_id":"a","kind":"agent","agent":"planner",'
    '"name":"x","name":"slow","started_at":"2026-01-01T00:00:00Z"}'
)
FAST = (
    '{"record":"step","run_id":"r1","step_id":"a","kind":"agent","agent":"planner",'
    '"name":"fast","started_at":"2026-01-01T00:00:00Z"}'
)
CHILD = (
    '{"record":"step","run_id":"r1","step_id":"b","parent_id":"a","kind":"llm","name":"x",'
    '"started_at":"2026-01-01T00:00:01Z"}'
)


def _kept_and_rejected(ws: wb.Workspace) -> tuple[list, list]:
    kept = ws.sql("SELECT name, line FROM steps WHERE step_id = 'a'").fetchall()
    rejected = ws.sql("SELECT line, reason FROM quarantine").fetchall()
    return kept, rejected


def test_the_first_in_the_file_is_kept_when_the_python_reader_read_it(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    path.write_text("\n".join([RUN, SLOW, FAST, CHILD]) + "\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.read, report.stored, report.quarantined) == (3, 2, 1)
    kept, rejected = _kept_and_rejected(ws)
    assert kept == [("slow", 2)]
    assert len(rejected) == 1 and rejected[0][0] == 3
    assert rejected[0][1].startswith("duplicate step id a in run r1") and rejected[0][1].endswith(
        "line 2: differs in name"
    )
    # the child hangs from the kept step
    assert ws.sql("SELECT agent, depth FROM steps WHERE step_id = 'b'").fetchall() == [("planner", 1)]


def test_the_first_file_read_wins_over_a_later_file(tmp_path: Path) -> None:
    first, second = tmp_path / "b_first.jsonl", tmp_path / "a_second.jsonl"  # names sort the other way
    first.write_text("\n".join([RUN, SLOW]) + "\n")
    second.write_text("\n".join([FAST, CHILD]) + "\n")
    ws = wb.open()
    report = ws.ingest([first, second])
    assert (report.read, report.stored, report.quarantined) == (3, 2, 1)
    kept, rejected = _kept_and_rejected(ws)
    assert kept == [("slow", 2)]
    assert rejected[0][0] == 1 and "b_first.jsonl line 2:" in rejected[0][1]
    # ingesting both again adds nothing, and quarantines nothing twice
    again = ws.ingest([first, second])
    assert again.added == 0 and ws.count("quarantine") == 1 and ws.count("steps") == 2


def _store(ws: wb.Workspace) -> dict[str, list]:
    """The store's steps, runs, edges and quarantine, without the columns that name where a row was read."""
    return {
        "steps": ws.sql("SELECT * EXCLUDE (file, line) FROM steps ORDER BY run_id, step_id").fetchall(),
        "runs": ws.sql("SELECT run_id, outcome, n_steps FROM runs ORDER BY run_id").fetchall(),
        "edges": ws.sql("SELECT * FROM edges ORDER BY ALL").fetchall(),
        "quarantine": ws.sql(
            "SELECT step_id, split_part(reason, ' ', 1) FROM quarantine ORDER BY ALL"
        ).fetchall(),
    }


def _otlp(trace: str, name: str) -> str:
    spans = [
        {
            "traceId": trace,
            "spanId": f"{i + 1:016x}",
            "parentSpanId": f"{i:016x}" if i else "",
            "name": f"{name} {i}",
            "startTimeUnixNano": str(1_767_225_600_000_000_000 + i),
            "attributes": [{"key": "gen_ai.agent.name", "value": {"stringValue": "planner"}}],
        }
        for i in range(3)
    ]
    return (
        json.dumps(
            {
                "resourceSpans": [
                    {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": spans}]}
                ]
            }
        )
        + "\n"
    )


def _records() -> list:
    from workbench.sim import procurement

    return list(procurement(seed=3).generate(n_runs=2))


_NATIVE = "\n".join([RUN, FAST, CHILD]) + "\n"


def test_two_files_with_the_same_steps_in_one_call_are_as_two_calls(tmp_path: Path) -> None:
    # Two exports of one trace (or a file copied under another name): the second holds nothing new, as a
    # second call would find. They were quarantined as duplicates of themselves. (A native log and an OTLP
    # trace, each twice, in one call; in the other store each format's first copy in one call, both second
    # copies in the next: runs of their own, a call a file before.)
    files = []
    for fmt, text in (("native", _NATIVE), ("otlp", _otlp("ab" * 16, "step"))):
        for copy in ("a", "b"):
            files.append(tmp_path / f"{fmt}-export-{copy}.jsonl")
            files[-1].write_text(text)
    one, two = wb.open(), wb.open()
    report = one.ingest(files)
    each = [two.ingest([files[0], files[2]]), two.ingest([files[1], files[3]])]
    assert report.quarantined == 0 == sum(r.quarantined for r in each), report.errors
    assert report.read == report.stored == sum(r.read for r in each)
    assert report.added == sum(r.added for r in each) == each[0].read
    assert each[1].added == 0
    assert _store(one) == _store(two)
    again = one.ingest(files)
    assert (again.added, again.quarantined) == (0, 0) and _store(one) == _store(two)


def test_a_repeat_within_one_file_is_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "twice.jsonl"
    path.write_text("\n".join([RUN, FAST, CHILD, FAST, CHILD]) + "\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.read, report.stored, report.quarantined, report.added) == (4, 4, 0, 2)
    assert ws.sql("SELECT line FROM steps ORDER BY line").fetchall() == [(2,), (3,)]


def test_the_same_step_with_other_content_is_a_conflict_in_one_call_as_in_two(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(_NATIVE)
    other = FAST.replace('"agent":"planner"', '"agent":"critic"').replace('"name":"fast"', '"name":"other"')
    b.write_text("\n".join([other, CHILD]) + "\n")
    one, two = wb.open(), wb.open()
    report = one.ingest([a, b])
    second = (two.ingest(a), two.ingest(b))[1]
    assert (report.read, report.stored, report.quarantined, report.added) == (4, 3, 1, 2)
    assert (second.quarantined, second.stored) == (1, 1)
    assert _store(one)["steps"] == _store(two)["steps"]
    (reason,) = one.quarantine()["reason"]
    assert reason.startswith("duplicate step id a in run r1 with other content than at ")
    assert reason.endswith("a.jsonl line 2: differs in agent, name"), reason
    assert two.quarantine()["reason"][0].endswith("differs in agent, name")
    assert one.ingest([a, b]).added == 0 and one.count("quarantine") == 1


def test_records_in_memory_repeated_are_stored_once() -> None:
    records = _records()
    ws = wb.open()
    report = ws.ingest(records + records)
    assert report.quarantined == 0 and report.read == report.stored == 2 * report.added
    assert report.added == wb.open().ingest(records).added

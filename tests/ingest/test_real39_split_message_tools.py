"""A trace split over ingest calls gets the tool steps one call reads out of its chat messages (real39).

Before: OpenLLMetry's CrewAI trace (real35's ``crewai/openllmetry_fault``, a real run; no span traces a tool: each
call is the model's request in one ``openai.chat`` span and its result a ``tool`` message in the next one's input)
ingested in two calls, the root span in the second, stored no tool step at all: the first call holds no root (its
tool spans might still come) and stages none, and the second found no model step of its own to read. The backend's
``get_price`` record (14.20 USD) was in no step, so the researcher's 41.20 was no longer "made up upstream".
Now the call that brings the rest of the trace reads the stored model steps with its own: whichever way the file is
cut and in whichever order the parts come, the store is the one one call gives, row for row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import workbench as wb

CREW = Path(__file__).parent / "fixtures" / "crewai"
# every column but the file and line each part was read from
_COLUMNS = (
    "run_id, step_id, parent_id, seq, depth, agent, agent_own, kind, name, tool, model, started_at, ended_at, "
    "latency_ms, status, error, input, output, tokens_in, tokens_out, cost, attributes::VARCHAR, source"
)


def _store(ws: wb.Workspace) -> dict[str, list[tuple]]:
    return {
        "steps": ws.sql(f"SELECT {_COLUMNS} FROM steps ORDER BY ALL").fetchall(),
        "edges": ws.sql("SELECT * FROM edges ORDER BY ALL").fetchall(),
        "runs": ws.sql("SELECT * FROM runs ORDER BY ALL").fetchall(),
    }


def _parts(tmp_path: Path, lines: list[str], cuts: list[int]) -> list[Path]:
    bounds = [0, *cuts, len(lines)]
    paths = []
    for i, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False)):
        path = tmp_path / f"part{i}.otlp.jsonl"
        path.write_text("\n".join(lines[lo:hi]) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.parametrize("fixture", ["openllmetry_fault", "openllmetry_tool_error"])
def test_the_root_in_a_later_call_brings_the_calls_one_call_reads(tmp_path: Path, fixture: str) -> None:
    source = CREW / f"{fixture}.otlp.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines()
    roots = [i for i, ln in enumerate(lines) if '"parentSpanId"' not in ln]
    assert roots == [len(lines) - 1]  # (exported as they end: the root last)
    whole = wb.open()
    whole.ingest(source, progress=False)
    assert whole.sql("SELECT count(*) FROM steps WHERE kind = 'tool'").fetchall() == [(2,)]
    split = wb.open()
    first, second = _parts(tmp_path, lines, [len(lines) - 1])
    assert not split.ingest(first, progress=False).notes  # (no root yet: its tool spans may still come)
    report = split.ingest(second, progress=False)
    assert (report.read, report.stored, report.quarantined) == (3, 3, 0)  # the root and the 2 calls
    assert any("2 tool call(s) found only in the model calls' messages" in n for n in report.notes)
    assert _store(split) == _store(whole)
    again = split.ingest([first, second], progress=False)
    assert (again.read, again.stored, again.added) == (11, 11, 0) and _store(split) == _store(whole)


@pytest.mark.parametrize(
    ("cuts", "reverse"), [([3, 6], False), ([4], True)], ids=["three parts", "root first"]
)
def test_other_cuts_and_orders_store_what_one_call_stores(
    tmp_path: Path, cuts: list[int], reverse: bool
) -> None:
    # (the model step asking in one call, the one handed the result in the next, the root in the last; or the
    # root's part first, the model steps it holds asking with no answer yet)
    source = CREW / "openllmetry_fault.otlp.jsonl"
    lines = source.read_text(encoding="utf-8").splitlines()
    whole = wb.open()
    whole.ingest(source, progress=False)
    parts = _parts(tmp_path, lines, cuts)
    split = wb.open()
    for path in reversed(parts) if reverse else parts:
        split.ingest(path, progress=False)
    assert _store(split) == _store(whole)


def test_the_latency_of_a_call_read_from_messages_is_its_stored_times() -> None:
    # (a stored model step keeps microseconds: the call's latency is read from the times as stored, so a later
    # call computes the same figure)
    ws = wb.open()
    ws.ingest(CREW / "openllmetry_fault.otlp.jsonl", progress=False)
    rows = ws.sql(
        "SELECT latency_ms, (epoch_us(ended_at) - epoch_us(started_at)) / 1000 FROM steps WHERE kind = 'tool'"
    ).fetchall()
    assert len(rows) == 2 and all(a == b for a, b in rows)

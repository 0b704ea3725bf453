"""The same store whatever the ingest's splits and order (store43).

A day's logs read in hourly files, or a colleague's export merged in, must give the store one read of all the
logs gives. store42's test (test_store42_export_split.py) merges an export of a file's first part into a store of
the rest; here the other way round (the store holds the first part, the export the rest), the ingest's own splits
(a trace's spans over two calls, in either order, against one call of the whole file), a run record given in two
files, and linked_roots after a trace moved. Before: the ingest's rules that read a step's neighbours (a model
call's two spans, a step acting for the agent before it, tool calls said only in messages) were not run where an
export met the store; a trace's spans read after its root had joined another run stayed a run of their own; a run
record given again had its attributes' text written anew.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _deep import deep
from test_store42_export_split import TABLES, _one_case_a_run, _rows, _split, _split_each, _together

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"
# What one read of a whole file and reads of its parts may differ in: where a row was read (file, line, the order
# of the lines: order_hint) and the order number seq, which follows it among steps started in the same µs.
_WHERE = {"file", "line", "order_hint", "seq"}


def _loose(ws: wb.Workspace, tables: tuple[str, ...] = TABLES) -> dict[str, list]:
    out = {}
    for table in tables:
        cols = [
            c for c in ws.sql(f"SELECT * FROM {table} LIMIT 0").columns if c not in _WHERE | {"created_at"}
        ]
        out[table] = sorted(map(repr, ws.sql(f"SELECT {', '.join(cols)} FROM {table}").fetchall()))
    return out


# (fixture, split at): why
REST_EXPORTED = [
    [
        ("adk/adk213_legacy_quote.otlp.jsonl", 7)
    ],  # a model call's two spans: the child stored, the parent exported
    [("llamaindex/handoff_fault.otlp.jsonl", 15)],  # steps acting for the agent before them
    [("crewai/openllmetry_fault.otlp.jsonl", 4)],  # a tool call said only in messages
    [
        ("semantic-kernel/sequential_fault.otlp.jsonl", 11)
    ],  # a trace's spans below a root that joined another run
]


# (the four as one case, each alone too under WORKBENCH_DEEP_TESTS=1: test_store42_export_split._together)
@pytest.mark.parametrize("cases", _together(REST_EXPORTED))
def test_an_export_of_the_rest_merged_into_a_store_of_the_first_part(
    tmp_path: Path, cases: list[tuple[str, int]]
) -> None:
    firsts, seconds = _split_each(cases, tmp_path)
    with wb.open() as rest:
        assert rest.ingest(seconds, progress=False).quarantined == 0
        rest.export(tmp_path / "export")
    merged = wb.open()
    merged.ingest(firsts, progress=False)
    read = merged.copy()  # (the store of the first parts, read once: a copy costs a third of a read)
    report = merged.ingest(tmp_path / "export", progress=False)
    assert report.quarantined == 0 and report.read == report.stored
    read.ingest(seconds, progress=False)
    got, want = _rows(merged), _rows(read)
    assert {t: (got[t] - want[t], want[t] - got[t]) for t in TABLES if got[t] != want[t]} == {}
    _one_case_a_run(merged)
    # merging the same export again adds nothing
    assert merged.ingest(tmp_path / "export", progress=False).added == 0
    assert _rows(merged) == got


_WHOLE: dict[Path, dict[str, list]] = {}


def _whole(src: Path) -> dict[str, list]:
    """:func:`_loose` of a store of one read of ``src`` (read once a module: the same for every split of it)."""
    if src not in _WHOLE:
        with wb.open() as whole:
            whole.ingest(src, progress=False)
            _WHOLE[src] = _loose(whole)
    return _WHOLE[src]


# The later part first (the order of store43's bug) at each split; in order at one (WORKBENCH_DEEP_TESTS=1: at
# each, the same rule again).
_SPLITS = [
    (at, order)
    for at in (5, 11, 14)
    for order in ("later part first", "in order")
    if order == "later part first" or at == 11 or deep()
]


@pytest.mark.parametrize(("at", "order"), _SPLITS, ids=[f"{o}-{a}" for a, o in _SPLITS])
def test_a_trace_split_over_calls_is_stored_as_one_call_stores_it(
    tmp_path: Path, at: int, order: str
) -> None:
    # Semantic Kernel's agents run in traces of their own whose root links to the orchestration's span: the spans
    # below a root that an earlier call joined to the orchestration's run went to a run of their own.
    src = FIXTURES / "semantic-kernel" / "sequential_fault.otlp.jsonl"
    first, second = _split(src, at, tmp_path)
    want = _whole(src)
    with wb.open() as parts:
        for path in [second, first] if order == "later part first" else [first, second]:
            assert parts.ingest(path, progress=False).quarantined == 0
        assert _loose(parts) == want
        assert parts.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]


def test_a_moved_runs_linked_roots_go_as_in_one_call(tmp_path: Path) -> None:
    # autogen-core: a trace's root stored alone, then the trace it links to: the root moved into that run and its
    # linked_roots row stayed (a row one call of both never writes).
    src = FIXTURES / "autogen" / "swarm_handoffs.otlp.jsonl"
    first, second = _split(src, 91, tmp_path)
    with wb.open() as whole:
        whole.ingest(src, progress=False)
        want = _loose(whole, ("linked_roots", "runs"))
    with wb.open() as parts:
        parts.ingest(second, progress=False)
        parts.ingest(first, progress=False)
        assert _loose(parts, ("linked_roots", "runs")) == want


def test_a_run_record_given_again_keeps_its_attributes_text(tmp_path: Path) -> None:
    # The same Who&When records in a .json and a .jsonl file: given twice, the run's attributes were written anew
    # (compact), once (an export merge gives an identical row no second time) they kept the reader's text.
    folder = FIXTURES / "whowhen"
    with wb.open() as once:
        once.ingest(folder / "records.json", progress=False)
        text = once.sql("SELECT run_id, attributes::VARCHAR FROM runs ORDER BY run_id").fetchall()
        once.export(tmp_path / "export")
    with wb.open() as twice:
        twice.ingest(folder / "records.json", progress=False)
        twice.ingest(folder / "records.jsonl", progress=False)
        twice.ingest(folder / "records.json", progress=False)
        got = dict(twice.sql("SELECT run_id, attributes::VARCHAR FROM runs").fetchall())
    assert {r: got[r] for r, _ in text} == dict(text)
    with wb.open() as merged:
        merged.ingest(folder / "records.jsonl", progress=False)
        merged.ingest(tmp_path / "export", progress=False)
        by_merge = dict(merged.sql("SELECT run_id, attributes::VARCHAR FROM runs").fetchall())
    with wb.open() as read:
        read.ingest(folder / "records.jsonl", progress=False)
        read.ingest(folder / "records.json", progress=False)
        assert dict(read.sql("SELECT run_id, attributes::VARCHAR FROM runs").fetchall()) == by_merge

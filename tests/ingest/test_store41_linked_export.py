"""An export merged into a store holding traces it is linked with stores what one ingest of all the spans stores
(store41; attack40 found the same spans stored in two runs: the export's merge never ran the link join).

The five traces of test_links13_link_order (a researcher's trace, two messaging hops, a sub-agent called in a
new trace, an unrelated trace) split between an export and a store in ways that move each side: exported traces
into a stored run, stored traces into the export's run, a chain through both, a run both sides hold part of.
Every store is compared whole (runs, steps with their agent, depth and order, edges, labels, quarantine) with a
store that ingested all five files at once. (All 241 splits whose union is the five traces were checked this
way once, in /work/wt/_notes/store41.md: 241 equal.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _deep import deep
from _reader_agreement import renamed
from test_links13_link_order import _store, trace_files  # noqa: F401 - trace_files: a fixture

import workbench as wb


@pytest.fixture(scope="module")
def whole(trace_files: list[Path]) -> dict[str, list]:  # noqa: F811
    with wb.open() as ws:
        ws.ingest(trace_files, progress=False)
        return _store(ws)


SPLITS = {
    "into the store's run": ((1, 2, 3, 4), (0,)),  # exported traces continue a stored span: they join its run
    "into the export's run": (
        (0,),
        (1, 2, 3, 4),
    ),  # stored traces continue an exported span: they join the export's
    "a chain through both": ((0, 2, 3, 4), (1,)),  # a chain: exported 2 -> stored 1 -> exported 0
    "one run in two parts": (
        (0, 1, 2, 4),
        (0, 3),
    ),  # a run both hold part of: the stored sub-agent among the export's
    "both ways": ((0, 1, 4), (1, 2, 3)),  # both directions at once, a span on both sides
}


def _merged_as_one_ingest(
    tmp_path: Path, exported: list[Path], stored: list[Path], whole: dict[str, list]
) -> None:
    with wb.open() as one:
        one.ingest(exported, progress=False)
        one.export(tmp_path / "export")
    with wb.open() as ws:
        ws.ingest(stored, progress=False)
        report = ws.ingest(tmp_path / "export", progress=False)
        assert report.quarantined == 0
        assert _store(ws) == whole
        again = ws.ingest(tmp_path / "export", progress=False)
        assert (again.added, again.quarantined) == (0, 0)
        assert _store(ws) == whole


def test_an_export_and_a_store_of_linked_traces_merge_as_one_ingest(
    trace_files: list[Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    """Every split at once: the five files copied once a split with trace ids of the split's own (the links
    renamed alike: _reader_agreement.renamed), the splits' exported copies read in one call and exported, their
    stored copies in another, the export merged: one ingest of all the copies stores the same. (Each split a
    store of its own under WORKBENCH_DEEP_TESTS=1, below.)"""
    copies = []
    for n in range(len(SPLITS)):
        renamed_files = renamed(trace_files, n + 1, tmp_path / "copies")
        assert renamed_files, "the trace files' ids cannot be renamed"
        copies.append(renamed_files)
    with wb.open() as ws:
        ws.ingest([p for files in copies for p in files], progress=False)
        whole = _store(ws)
    assert len(whole["runs"]) == 2 * len(
        SPLITS
    )  # (the researcher's linked traces, the unrelated one: a split's)
    exported = [copies[n][i] for n, (out, _) in enumerate(SPLITS.values()) for i in out]
    stored = [copies[n][i] for n, (_, kept) in enumerate(SPLITS.values()) for i in kept]
    _merged_as_one_ingest(tmp_path, exported, stored, whole)


@pytest.mark.skipif(not deep(), reason="each split in a store of its own: WORKBENCH_DEEP_TESTS=1")
@pytest.mark.parametrize(("exported", "stored"), list(SPLITS.values()), ids=list(SPLITS))
def test_each_split_alone_merges_as_one_ingest(
    trace_files: list[Path],  # noqa: F811
    whole: dict[str, list],
    tmp_path: Path,
    exported: tuple[int, ...],
    stored: tuple[int, ...],
) -> None:
    _merged_as_one_ingest(
        tmp_path, [trace_files[i] for i in exported], [trace_files[i] for i in stored], whole
    )


def test_a_moved_trace_keeps_its_trace_id_and_its_findings_go(
    trace_files: list[Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    """What the export found about a trace that joins a stored run was about a run that no longer exists: it is
    not merged (as the ingest drops a moved stored run's findings); the trace's steps keep its id."""
    with wb.open() as one:
        one.ingest(trace_files[3], progress=False)  # the sub-agent's trace alone
        (sub,) = [r for (r,) in one.sql("SELECT run_id FROM runs").fetchall()]
        one.sql(
            "INSERT INTO findings (run_id, detector, severity, detail) VALUES (?, 'hand', 'info', 'x')",
            params=[sub],
        )
        one.export(tmp_path / "export")
    with wb.open() as ws:
        ws.ingest(trace_files[0], progress=False)
        ws.ingest(tmp_path / "export", progress=False)
        assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]
        assert ws.sql("SELECT count(*) FROM findings").fetchall() == [(0,)]
        assert ws.sql(
            "SELECT count(*) FROM steps WHERE attributes->>'$.\"otel.trace_id\"' = ?", params=[sub]
        ).fetchall() == [(2,)]

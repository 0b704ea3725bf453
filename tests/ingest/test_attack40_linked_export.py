"""An export merged into a store that holds its linked traces as runs of their own (attack40; a known limit until
store41: the export's merge, ``store/_export_merge.py``, did not run the link join the log ingest runs,
``ingest/_links.py``).

A store that read the researcher's trace and the traces linked to it in one call keeps them as one run; a store that
read the linked traces without it keeps each as a run of its own (their span had not come yet). Merging the first's
export into the second brings the linked span, so the second's runs should join the first's run, as
``ws.ingest(trace0)`` makes them join (test_store38_linked_roots). They did not: the merge stored the exported run's
steps beside the stored runs' copies of the same spans, the same step ids in two runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_links13_link_order import _store, trace_files  # noqa: F401 - trace_files: a fixture

import workbench as wb


@pytest.fixture(scope="module")
def whole(trace_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:  # noqa: F811
    """The store of every trace read in one call (one run) and its export, made once (both only read)."""
    with wb.open() as ws:
        ws.ingest(trace_files, progress=False)
        path = tmp_path_factory.mktemp("attack40") / "export"
        ws.export(path)
        return _store(ws), path


@pytest.mark.parametrize("exported", ["joined", "apart"])
def test_an_export_merged_into_a_store_of_the_linked_traces_stores_each_span_once(
    trace_files: list[Path],  # noqa: F811
    whole: tuple[dict, Path],
    tmp_path: Path,
    exported: str,
) -> None:
    # (joined: the export holds the one run, the store the linked traces apart; apart: the other way round)
    expected, export = whole
    if exported == "apart":
        with wb.open() as one:
            one.ingest(trace_files[1:], progress=False)
            export = tmp_path / "export"
            one.export(export)
    with wb.open() as ws:
        ws.ingest(trace_files[1:] if exported == "joined" else trace_files, progress=False)
        ws.ingest(export, progress=False)
        twice = ws.sql(
            "SELECT step_id, list(DISTINCT run_id) FROM steps GROUP BY step_id "
            "HAVING count(DISTINCT run_id) > 1"
        ).fetchall()
        assert twice == []
        assert _store(ws) == expected

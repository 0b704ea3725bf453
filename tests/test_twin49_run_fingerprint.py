"""twin49: one "has this run changed" fingerprint. Round 48 wrote it twice in the same hour: a detect's
(detect/sql/fingerprints.sql: whether a run changed while its findings were computed without the write lock) and an
ingest's (store/sql/kept_marks.sql: whether a run given again keeps its detected marks), each with its own
aggregates over steps and edges and its own list of the run row's columns. Both now read fingerprints.sql's
``run_fingerprints``: here, after each change the detectors read (a step's row, an edge's row, the run's task), the
two give every run the same fingerprint, the changed run's moves and the other's does not. On main 1aa0c9e9 the
kept marks noted four columns of their own (counts and hashes, the run row compared apart) and no fingerprint: the
test fails there reading it."""

from __future__ import annotations

from types import SimpleNamespace

from _attack47_runs import loop_run

import workbench as wb
from workbench.detect._fingerprint import read_fingerprints
from workbench.detect._macros import ensure_file_macros, ensure_macros
from workbench.ingest._kept_marks import marks_before

_ALL = {"row_lo": 0, "row_hi": 2**63 - 1, "edge_lo": 0, "edge_hi": 2**63 - 1}
# (a call that moved or folded no stored step: _kept_marks.marks_before notes the marks' fingerprints then)
_PLAIN = SimpleNamespace(
    stored_link_moves=None,
    turn_runs=None,
    ag2_stored_errors=None,
    mcp_served_stored=None,
    same_calls_asked=False,
)


def _both(ws: wb.Workspace) -> tuple[dict, dict]:
    """Every run's fingerprint as a detect reads it (edges too: the cascade detector's), and as an ingest giving
    every run's steps again notes it before its merge."""
    detect = ws.con.cursor()
    try:
        path = ensure_macros(detect)
        ensure_file_macros(detect, "fingerprints")
        detect.execute("SET search_path = ?", [path])
        detect.execute("CREATE TEMP TABLE det_scope AS SELECT run_id FROM runs")
        seen = read_fingerprints(detect, _ALL, True).to_pylist()
    finally:
        detect.close()
    ingest = ws.con.cursor()
    try:
        ingest.execute("CREATE TEMP TABLE stage_steps AS SELECT run_id FROM runs")
        assert marks_before(ingest, {"old_runs": 2, "stored": 12}, _PLAIN)
        kept = dict(ingest.execute("SELECT run_id, fp FROM marks_before").fetchall())
    finally:
        ingest.close()
    return {r["run_id"]: r["fp"] for r in seen}, kept


def test_a_detect_and_an_ingest_fingerprint_a_run_alike_and_see_the_same_changes() -> None:
    ws = wb.open()
    ws.ingest(loop_run("r1") + loop_run("r2"), progress=False)
    ws.sql("INSERT INTO detected VALUES ('r1', 'loop', NULL), ('r2', 'loop', NULL)")
    seen, kept = _both(ws)
    assert seen == kept and len(seen) == 2
    for change in (
        "UPDATE steps SET output = 'another answer' WHERE run_id = 'r1' AND step_id = 's3'",  # (a step's row)
        "DELETE FROM edges WHERE run_id = 'r1' AND dst_step = 's5'",  # (an edge's: the cascade detector reads them)
        "UPDATE runs SET task = 'price the order' WHERE run_id = 'r1'",  # (the run row's, as labelled_before)
    ):
        ws.sql(change)
        now, kept = _both(ws)
        assert now == kept, change
        assert now["r1"] != seen["r1"] and now["r2"] == seen["r2"], change
        seen = now

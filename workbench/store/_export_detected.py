"""Which runs the detectors ran on (the kept table ``detected``, schema.sql) and the vocabulary their findings were
found with (meta's ``detect_vocab``), carried by an export.

An export carried the findings and left out the marks: merged into a store (or read with ``wb.open(folder)`` and
copied), its runs with findings were runs never detected, and the first ``frame()``, prediction or explorer build
(``detect="auto"``) ran the detectors on them with the default settings and replaced the findings a user's own
settings had given. Now the export writes ``detected/data.parquet`` and the merge keeps the marks of the runs it
brings whole; an export written before (no such folder) has its runs that arrive with findings marked detected by
every per-run detector, settings unknown (NULL), as migration 5 marked a store's. A run the merge extends, moves or
relabels loses its marks as an ingest's does (refresh_runs.sql). (The export writes the table with the other kept
tables: _export_kept.write_kept.) Without the export's vocabulary stamp a store that
held no findings took its merged findings for stale, and "auto" ran the vocabulary's detectors on them again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from ._connection import PER_RUN_DETECTORS, export_files, mark_detected_by_findings
from ._export_kept import kept_relation

_TABLE = "detected"
_VOCAB = "detect_vocab"  # (detect/_vocab.py's key)


def _marks(con: duckdb.DuckDBPyConnection, folder: Path) -> duckdb.DuckDBPyRelation | None:
    """The export's marks (run_id, detector, settings), or None (written before it carried them: kept_relation)."""
    rel = kept_relation(con, folder, _TABLE, ("run_id", "detector"))
    if rel is None:
        return None
    settings = "TRY_CAST(settings AS VARCHAR)" if "settings" in rel.columns else "NULL::VARCHAR"
    return rel.select(
        f"TRY_CAST(run_id AS VARCHAR) AS run_id, TRY_CAST(detector AS VARCHAR) AS detector, {settings} AS settings"
    ).filter("run_id IS NOT NULL AND detector IS NOT NULL")


def open_detected(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """For ``wb.open(folder)``, once the export's tables are views and the missing ones made: its marks, or (an
    export without them) its runs with findings marked as migration 5 marks them; and the stamps its detectors left
    in ``meta`` (the vocabulary, the drift test's extent: the explorer's drift panel reads it), which a copy keeps."""
    marks = _marks(con, path)
    if marks is None:
        mark_detected_by_findings(con)
    else:
        marks.insert_into(_TABLE)
    for key, value in _meta_stamps(con, path):
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])


def _meta_stamps(con: duckdb.DuckDBPyConnection, folder: Path) -> list[tuple[str, str]]:
    """The export's ``meta`` rows but its schema version (none: no meta, or one that cannot be read)."""
    files = export_files(folder / "meta")
    if not files:
        return []
    try:
        return con.execute(
            "SELECT key::VARCHAR, value::VARCHAR FROM read_parquet($files, union_by_name = true) "
            "WHERE key IS NOT NULL AND key <> 'schema_version' QUALIFY row_number() OVER "
            "(PARTITION BY key) = 1",
            {"files": [str(f) for f in files]},
        ).fetchall()
    except duckdb.Error:
        return []


def export_vocab(con: duckdb.DuckDBPyConnection, folder: Path) -> str | None:
    """The vocabulary stamp the export's ``meta`` holds (None: none, or no meta to read)."""
    return dict(_meta_stamps(con, folder)).get(_VOCAB)


# A stored run the store detected with settings of its own (the user's DetectorConfig) given findings by the export
# of a detector whose mark there has other settings (or none: an export written before marks): its findings are of
# two settings now, and its mark says which settings they are of no longer: settings unknown (NULL), as migration 5
# marks findings of unknown settings. detect="auto" leaves the run as it is (the user's findings stay, the export's
# beside them); wb.detect(ws, config=...) detects it again. ({theirs}: the export's settings of the run's detector)
_MIXED = """
UPDATE detected SET settings = NULL
FROM (SELECT DISTINCT run_id, detector FROM export_first_findings) f
WHERE detected.run_id = f.run_id AND detected.detector = f.detector AND detected.settings IS NOT NULL
  AND detected.settings IS DISTINCT FROM {theirs}
"""


def merge_detected(con: duckdb.DuckDBPyConnection, folder: Path, held_findings: bool) -> None:
    """In the merge's transaction, once its findings are stored and before refresh_runs.sql drops the marks of the
    runs it touched: the marks of the export's runs, and the vocabulary stamp. ``held_findings``: whether the store
    held findings before the merge."""
    marks = _marks(con, folder)
    if marks is not None:
        marks.create_view("_export_detected_in", replace=True)
        con.execute(
            _MIXED.format(
                theirs="(SELECT min(k.settings) FROM _export_detected_in k "
                "WHERE k.run_id = f.run_id AND k.detector = f.detector)"
            )
        )
        # (a run moved into a stored run has no findings from the export, export_linked.sql: nor marks)
        con.execute(
            # (one mark a run and detector, as wb.detect writes them: a row copied by hand adds none)
            "INSERT INTO detected SELECT k.run_id, k.detector, min(k.settings) FROM _export_detected_in k "
            "SEMI JOIN runs r ON r.run_id = k.run_id "
            "ANTI JOIN export_moves m ON m.old_run = k.run_id "
            "ANTI JOIN detected x ON x.run_id = k.run_id AND x.detector = k.detector "
            "GROUP BY k.run_id, k.detector"
        )
        con.execute("DROP VIEW _export_detected_in")
    else:
        con.execute(_MIXED.format(theirs="NULL"))
        con.execute(
            "INSERT INTO detected SELECT f.run_id, d.detector, NULL FROM "
            "(SELECT DISTINCT run_id FROM export_first_findings) f SEMI JOIN runs r ON r.run_id = f.run_id "
            "CROSS JOIN (SELECT unnest($detectors) AS detector) d "
            "ANTI JOIN detected x ON x.run_id = f.run_id AND x.detector = d.detector",
            {"detectors": list(PER_RUN_DETECTORS)},
        )
    if not con.execute("SELECT EXISTS (SELECT 1 FROM export_first_findings)").fetchall()[0][0]:
        return  # (no findings came: the store's stamp still says what its findings were found with)
    theirs = export_vocab(con, folder)
    ours = con.execute("SELECT value FROM meta WHERE key = ?", [_VOCAB]).fetchall()
    if held_findings and ours and ours[0][0] == theirs:
        return
    # the export's findings alone are the store's: its stamp; else findings of two vocabularies, no stamp tells them
    # (detect="auto" then looks for the stale ones among all, detect/_vocab.py, as for a store of unknown vocabulary)
    con.execute("DELETE FROM meta WHERE key = ?", [_VOCAB])
    if theirs is not None and not held_findings:
        con.execute("INSERT INTO meta VALUES (?, ?)", [_VOCAB, theirs])

"""Run the detectors over the store and write their hits to the ``findings`` table."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from ..exceptions import InvalidParameterError
from ..store._connection import sql_statements
from ..store._transaction import transaction
from ._config import DetectorConfig
from ._drift import detect_drift

# detector -> the SQL files it needs, in order (shared inputs first; each file runs once per call).
FAMILIES: dict[str, tuple[str, ...]] = {
    "loop": ("calls", "loops"),
    "retry": ("calls", "retries"),
    "storm": ("storms",),
    "breach": ("turns", "breaches"),
    "ping_pong": ("turns", "pingpong"),
    "silent_failure": ("values", "silent"),
    "cascade": ("values", "cascades"),
    "drift": (),
}
DETECTORS = tuple(FAMILIES)
# Families whose SQL reads the text of every step: run over chunks of runs, so memory stays bounded
# and the work linear in the size of the store (their analysis never crosses runs).
CHUNKED = ("silent_failure", "cascade")
CHUNK_STEPS = 400_000
# Finding names a family writes (breach writes three kinds).
WRITES = {"breach": ("depth_breach", "handoff_breach", "latency_breach")}
_PARAM = re.compile(r"\$([a-z_]+)")
_COLUMNS = ["run_id", "step_id", "agent", "detector", "severity", "detail", "attributes"]


def _execute(con, stmt: str, params: dict[str, Any]) -> None:  # noqa: ANN001
    used = {k: params[k] for k in set(_PARAM.findall(stmt))}
    con.execute(stmt, used) if used else con.execute(stmt)


def _run_chunked(con, families: list[str], params: dict[str, Any], show: bool) -> None:  # noqa: ANN001
    # Chunks of whole runs, in storage order: a run's steps (and edges) lie in a narrow rowid range,
    # so each chunk's scan reads its own row groups only and the whole call reads `steps` about once.
    con.execute("CREATE OR REPLACE TEMP TABLE det_scope_all AS SELECT * FROM det_scope")
    con.execute("""CREATE OR REPLACE TEMP TABLE det_chunks AS
                   WITH s AS (SELECT run_id, min(steps.rowid) AS lo, max(steps.rowid) AS hi, count(*) AS n
                              FROM steps SEMI JOIN det_scope_all USING (run_id) GROUP BY run_id)
                   SELECT d.run_id, s.lo, s.hi,
                          sum(coalesce(s.n, 0)) OVER (ORDER BY s.lo NULLS LAST, d.run_id
                                                      ROWS UNBOUNDED PRECEDING) // ? AS chunk
                   FROM det_scope_all d LEFT JOIN s USING (run_id)""", [CHUNK_STEPS])
    ranges = con.execute("""SELECT c.chunk, coalesce(min(c.lo), 0), coalesce(max(c.hi), -1),
                                   coalesce(min(e.lo), 0), coalesce(max(e.hi), -1)
                            FROM det_chunks c
                            LEFT JOIN (SELECT run_id, min(edges.rowid) AS lo, max(edges.rowid) AS hi
                                       FROM edges SEMI JOIN det_scope_all USING (run_id) GROUP BY run_id) e
                              USING (run_id)
                            GROUP BY c.chunk ORDER BY c.chunk""").fetchall()
    names = list(dict.fromkeys(n for f in families for n in FAMILIES[f]))
    for chunk, row_lo, row_hi, edge_lo, edge_hi in tqdm(ranges, desc="detect (lineage)",
                                                        disable=not show or len(ranges) < 2):
        con.execute("CREATE OR REPLACE TEMP TABLE det_scope AS SELECT run_id FROM det_chunks WHERE chunk = ?",
                    [chunk])
        bounds = {"row_lo": row_lo, "row_hi": row_hi, "edge_lo": edge_lo, "edge_hi": edge_hi}
        for name in names:
            for stmt in sql_statements(name, __package__):
                _execute(con, stmt, {**params, **bounds})
    con.execute("CREATE OR REPLACE TEMP TABLE det_scope AS SELECT * FROM det_scope_all")


def _drop_temp(con) -> None:  # noqa: ANN001
    # No working table outlives the call: they hold copies of step text (issue 7).
    names = [n for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND starts_with(table_name, 'det_')").fetchall()]
    for name in names:
        con.execute(f'DROP TABLE IF EXISTS temp."{name}"')


def detect(ws, run_ids: Iterable[str] | None = None, config: DetectorConfig | dict | None = None,  # noqa: ANN001
           detectors: Sequence[str] | None = None, progress: bool | None = None) -> pd.DataFrame:
    """Run the detectors and store their findings; return the findings as a DataFrame.

    Parameters
    ----------
    ws : Workspace
        The store to read and write.
    run_ids : iterable of str, optional
        Only these runs (default: all). Drift always reads the whole history, as it compares
        periods, but reports only in-scope runs.
    config : DetectorConfig or dict, optional
        Thresholds; the defaults when omitted.
    detectors : sequence of str, optional
        A subset of :data:`DETECTORS`.
    progress : bool, optional
        Show a progress bar (default: when the store holds over a million steps).

    Returns
    -------
    pandas.DataFrame
        One row per finding: run_id, step_id, agent, detector, severity, detail, attributes.
        Findings of the same detectors for the same runs are replaced, not duplicated.
    """
    if config is None:
        config = DetectorConfig()
    elif isinstance(config, dict):
        config = DetectorConfig.from_dict(config)
    chosen = list(detectors) if detectors is not None else list(DETECTORS)
    unknown = sorted(set(chosen) - set(DETECTORS))
    if unknown:
        raise InvalidParameterError(f"unknown detector(s) {unknown}; the detectors are {list(DETECTORS)}")
    ws._writable()
    con = ws.con
    params = config.params()
    show = progress if progress is not None else ws.count("steps") > 1_000_000
    try:
        with transaction(con, "the detectors' findings"):
            if run_ids is None:
                con.execute("CREATE OR REPLACE TEMP TABLE det_scope AS SELECT run_id FROM runs")
            else:
                scope = pa.table({"run_id": pa.array(list(run_ids), type=pa.string())})
                con.register("_det_scope_in", scope)
                con.execute("CREATE OR REPLACE TEMP TABLE det_scope AS SELECT DISTINCT run_id FROM _det_scope_in")
                con.unregister("_det_scope_in")
            con.execute("CREATE OR REPLACE TEMP TABLE det_out (run_id VARCHAR, step_id VARCHAR, agent VARCHAR, "
                        "detector VARCHAR, severity VARCHAR, detail VARCHAR, attributes VARCHAR)")
            per_run = [f for f in chosen if f in CHUNKED]
            done: set[str] = set()
            for family in tqdm([f for f in chosen if f not in CHUNKED], desc="detect", disable=not show):
                for name in FAMILIES[family]:
                    if name not in done:
                        for stmt in sql_statements(name, __package__):
                            _execute(con, stmt, params)
                        done.add(name)
                if family == "drift":
                    drift = detect_drift(con, config)
                    con.register("_det_drift", drift.astype(object))
                    con.execute("INSERT INTO det_out SELECT d.* FROM _det_drift d SEMI JOIN det_scope s "
                                "ON s.run_id = d.run_id")
                    con.unregister("_det_drift")
            if per_run:
                _run_chunked(con, per_run, params, show)
            names = [n for f in chosen for n in WRITES.get(f, (f,))]
            con.register("_det_names", pa.table({"detector": pa.array(names, type=pa.string())}))
            con.execute("DELETE FROM findings WHERE run_id IN (SELECT run_id FROM det_scope) "
                        "AND detector IN (SELECT detector FROM _det_names)")
            con.unregister("_det_names")
            con.execute("INSERT INTO findings (run_id, step_id, agent, detector, severity, detail, attributes) "
                        "SELECT run_id, step_id, agent, detector, severity, detail, attributes::JSON FROM det_out")
            result = con.execute("SELECT * FROM det_out ORDER BY run_id, detector, step_id").df()
            _drop_temp(con)
    except BaseException:
        _drop_temp(con)  # a no-op when the rollback already took them
        raise
    return result[_COLUMNS]

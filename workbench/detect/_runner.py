"""Run the detectors over the store and write their hits to the ``findings`` table."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import queue
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from tqdm.auto import tqdm

from .._params import names_of
from ..exceptions import InvalidParameterError, StoreError
from ..store._connection import sql_statements
from ..store._own_connection import own_connection
from ..store._run_scope import fill_run_scope
from ..store._transaction import transaction
from ._config import DetectorConfig
from ._drift import detect_drift
from ._fingerprint import find_changed, read_fingerprints
from ._gates import _counted, _gated, _holds_rows, _made_by
from ._macros import ensure_file_macros, ensure_macros
from ._vocab import VOCAB_FAMILIES, read_vocab, store_fingerprint, stored_fingerprint

# detector -> the SQL files it needs, in order (shared inputs first; each file runs once per chunk).
FAMILIES: dict[str, tuple[str, ...]] = {
    "loop": ("calls", "loops"),
    "retry": ("calls", "retries"),
    "storm": ("storms",),
    "breach": ("turns", "breaches"),
    "ping_pong": ("turns", "replies", "pingpong"),
    "repeated_reply": ("replies", "repeats"),
    "silent_failure": ("values", "reported", "silent", "silent_errors"),
    "cascade": ("values", "reported", "cascades"),
    "gave_up": ("values", "gave_up"),
    "drift": (),
}
DETECTORS = tuple(FAMILIES)
# Every family but drift analyses one run at a time: they run over chunks of whole runs, each
# chunk's statements reading only its rows of `steps`, so memory stays bounded by the chunk and the
# work linear in the size of the store. Drift compares periods, so it reads the whole history.
WHOLE_STORE = ("drift",)
# Largest chunk (memory). Each chunk costs ~0.4 CPU s of planning whatever its size, so a store is
# cut into as few chunks as this allows, a multiple of the workers so that each gets an equal share;
# stores under PARALLEL_FROM steps are one chunk (planning the statements twice costs more than a
# second core saves).
CHUNK_STEPS = 2_500_000
PARALLEL_FROM = 250_000
# Connections running chunks side by side (at most DuckDB's thread count).
WORKERS = 4
# Finding names a family writes (breach writes three kinds).
WRITES = {"breach": ("depth_breach", "handoff_breach", "latency_breach")}
_log = logging.getLogger("workbench.detect")
_PARAM = re.compile(r"\$([a-z_]+)")
_COLUMNS = ["run_id", "step_id", "agent", "detector", "severity", "detail", "attributes"]


def _execute(con, stmt: str, params: dict[str, Any]) -> list[tuple]:  # noqa: ANN001
    """Run ``stmt`` with the parameters it names; its result (a CREATE TABLE AS or an INSERT: the rows it wrote)."""
    used = {k: params[k] for k in set(_PARAM.findall(stmt))}
    return (con.execute(stmt, used) if used else con.execute(stmt)).fetchall()


@lru_cache(maxsize=None)
def _statements(name: str) -> tuple[str, ...]:
    return tuple(sql_statements(name, __package__))


def _chunk_size(total: int, workers: int) -> int:
    """Steps per chunk: as few chunks as CHUNK_STEPS allows, a multiple of ``workers`` when parallel."""
    n = -(-total // CHUNK_STEPS)
    if workers > 1 and total >= PARALLEL_FROM:
        n = workers * -(-n // workers)
    return max(1, -(-total // max(n, 1)))


def _chunks(
    con, families: list[str], workers: int
) -> tuple[pa.Table, list[tuple[int, int, int, int, int]], int]:  # noqa: ANN001
    """Runs in scope cut into chunks of whole runs, in storage order, with each chunk's rowid
    ranges, and the steps in scope."""
    one = _one_chunk(con, families)
    if one is not None:
        return one
    # A run's steps (and edges) lie in a narrow rowid range, so each chunk's scans read its own row
    # groups only and the whole call reads `steps` about once per statement that needs it.
    con.execute("""CREATE OR REPLACE TEMP TABLE det_chunk_runs AS
                   WITH s AS (SELECT run_id, min(steps.rowid) AS lo, max(steps.rowid) AS hi, count(*) AS n
                              FROM steps SEMI JOIN det_scope USING (run_id) GROUP BY run_id)
                   SELECT d.run_id, s.lo, s.hi, coalesce(s.n, 0) AS n
                   FROM det_scope d LEFT JOIN s USING (run_id)""")
    total = con.execute("SELECT coalesce(sum(n), 0)::BIGINT FROM det_chunk_runs").fetchall()[0][0]
    # a run's chunk is the number of steps before it (in storage order) over the chunk size
    con.execute(
        """CREATE OR REPLACE TEMP TABLE det_chunks AS
                   SELECT run_id, lo, hi,
                          (sum(n) OVER (ORDER BY lo NULLS LAST, run_id ROWS UNBOUNDED PRECEDING) - n) // ? AS chunk
                   FROM det_chunk_runs""",
        [_chunk_size(total, workers)],
    )
    if "cascade" in families:  # only the cascade detector reads the lineage edges
        con.execute("""CREATE OR REPLACE TEMP TABLE det_chunk_edges AS
                       SELECT run_id, min(edges.rowid) AS lo, max(edges.rowid) AS hi
                       FROM edges SEMI JOIN det_scope USING (run_id) GROUP BY run_id""")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE det_chunk_edges (run_id VARCHAR, lo BIGINT, hi BIGINT)")
    ranges = con.execute("""SELECT c.chunk, coalesce(min(c.lo), 0), coalesce(max(c.hi), -1),
                                   coalesce(min(e.lo), 0), coalesce(max(e.hi), -1)
                            FROM det_chunks c LEFT JOIN det_chunk_edges e USING (run_id)
                            GROUP BY c.chunk ORDER BY c.chunk""").fetchall()
    return con.sql("SELECT chunk, run_id FROM det_chunks ORDER BY chunk").to_arrow_table(), ranges, total


# A scope of one chunk, in one statement (a UNION ALL of counts: cheaper to plan than scalar subqueries): its runs, its
# steps' count, rowid range and runs (the scope's others have none), and (for the cascade detector) its edges' rowid range
_ONE_CHUNK = """
SELECT 'scope', count(DISTINCT run_id), NULL, NULL, NULL FROM det_scope
UNION ALL SELECT 'steps', count(*), min(rowid), max(rowid), count(DISTINCT run_id)
          FROM steps SEMI JOIN det_scope USING (run_id)
UNION ALL SELECT 'edges', count(*), min(rowid), max(rowid), NULL
          FROM edges SEMI JOIN det_scope USING (run_id) WHERE $edges
"""


def _one_chunk(
    con,  # noqa: ANN001
    families: list[str],
) -> tuple[pa.Table, list[tuple[int, int, int, int, int]], int] | None:
    """:func:`_chunks`' answer in two statements (in place of six) when the scope is one chunk: fewer steps
    than PARALLEL_FROM (so fewer than CHUNK_STEPS, whatever the workers) and no run of it without a step (the
    general numbering puts those after the others, in a chunk of their own when any step is in scope); else
    None."""
    rows = {
        name: rest for name, *rest in con.execute(_ONE_CHUNK, {"edges": "cascade" in families}).fetchall()
    }
    scope = rows["scope"][0]
    total, lo, hi, stepped = rows["steps"]
    _, edge_lo, edge_hi, _ = rows["edges"]
    stepless = scope - stepped
    if total >= PARALLEL_FROM or (stepless and total):
        return None
    runs = con.sql("SELECT 0::BIGINT AS chunk, run_id FROM det_scope").to_arrow_table()
    if not scope:  # (no run: no chunk, as the general numbering gives none)
        return runs, [], 0
    edges = (0 if edge_lo is None else edge_lo, -1 if edge_hi is None else edge_hi)
    return runs, [(0, 0 if lo is None else lo, -1 if hi is None else hi, *edges)], int(total)


def _worker(
    cur,
    todo: queue.SimpleQueue,
    runs: pa.Table,
    names: list[str],  # noqa: ANN001
    params: dict[str, Any],
    shared: dict[str, pa.Table],
    bar: tqdm,
    stop: threading.Event,
    path: str,
    with_edges: bool,
) -> tuple[pa.Table, list[pa.Table]]:
    """Run the statements over chunks taken from ``todo`` on a connection of its own; its findings, and the
    fingerprints of the runs it read (_fingerprint.py). ``path``: the search path that finds the macros
    (_macros.py), made once per DuckDB instance before the workers start."""
    try:
        cur.execute("SET search_path = ?", [path])
        for name, table in shared.items():  # scope-wide inputs, the same for every chunk
            cur.register(f"_{name}", table)
            cur.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}")
            cur.unregister(f"_{name}")
        cur.execute(
            "CREATE OR REPLACE TEMP TABLE det_out (run_id VARCHAR, step_id VARCHAR, agent VARCHAR, "
            "detector VARCHAR, severity VARCHAR, detail VARCHAR, attributes VARCHAR)"
        )
        reads = []
        while not stop.is_set():
            try:
                chunk, row_lo, row_hi, edge_lo, edge_hi = todo.get_nowait()
            except queue.Empty:
                break
            scope = runs.filter(pc.equal(runs["chunk"], chunk)).select(["run_id"])
            cur.register("_det_chunk_runs", scope)
            cur.execute("CREATE OR REPLACE TEMP TABLE det_scope AS SELECT run_id FROM _det_chunk_runs")
            cur.unregister("_det_chunk_runs")
            bounds = {"row_lo": row_lo, "row_hi": row_hi, "edge_lo": edge_lo, "edge_hi": edge_hi}
            # A chunk reads in one transaction (one snapshot: no ingest committed meanwhile is half seen), which
            # also keeps the fingerprints of what it read; the detect takes no lock while it reads
            cur.execute("BEGIN TRANSACTION")
            # the rows each working table holds in this chunk, as the statements that wrote them said (the tables
            # of the sections skipped count as made empty)
            rows: dict[str, int] = {}
            for name in names:
                for need, stmts, macros in _gated(name):
                    # statements planned for nothing cost most of a small store's call: skipped when empty
                    if need is not None and not _holds_rows(cur, need, rows):
                        rows.update(dict.fromkeys(_made_by(stmts), 0))
                        continue
                    if macros:
                        ensure_file_macros(cur, name)
                    for stmt in stmts:
                        _counted(rows, stmt, _execute(cur, stmt, {**params, **bounds}))
            reads.append(read_fingerprints(cur, bounds, with_edges))
            cur.execute(
                "COMMIT"
            )  # (temporary tables only: nothing of the store written, nothing to conflict)
            bar.update()
        return cur.sql("SELECT * FROM det_out").to_arrow_table(), reads
    except BaseException:
        stop.set()  # the other workers stop after their current chunk
        raise
    finally:
        # No working table outlives the call (they hold copies of step text, issue 7): closing the cursor drops
        # its temporary schema whole (a DROP per table cost ~0.4 ms each, ~60 of them a call)
        cur.close()


def _run_chunked(
    con,
    families: list[str],
    params: dict[str, Any],
    show: bool,
    path: str,  # noqa: ANN001
    meanwhile: Callable[[], None] | None = None,
    vocab: pa.Table | None = None,
    out: str = "det_out",
    reads: list[pa.Table] | None = None,
) -> None:
    # Chunks run on as many connections of their own as DuckDB has threads, each one thread: the
    # statements are small (a chunk's), and DuckDB splitting each of them over the cores costs a
    # fifth more CPU (measured) than whole chunks side by side. A chunk's working tables are its
    # connection's own. Scans are cheap; what costs is copying rows into working tables, so the
    # statements read `steps` again rather than share a copy of the chunk.
    # A scope under PARALLEL_FROM steps is one chunk on one thread too: its statements are small,
    # DuckDB's split of each over the cores cost more CPU than it saved (at 53k steps, 1.7 CPU s
    # and 2.3 s against 1.4 and 1.5 on one thread, measured on a busy machine), and the drift
    # detector and whatever else the process does (investigate's replays) have the other core.
    threads = int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])
    runs, ranges, total = _chunks(con, families, max(1, min(threads, WORKERS)))
    names = list(dict.fromkeys(n for f in families for n in FAMILIES[f]))
    shared: dict[str, pa.Table] = {}
    if "values" in names:
        shared["det_vocab"] = vocab if vocab is not None else read_vocab(con)[0]
    # The macros of a family file's gated statements, and the fingerprint's (every chunk's), made now if not yet
    # (once per DuckDB instance): a worker's transaction would not see macros another cursor made after it began
    maker = con.cursor()
    try:
        ensure_file_macros(maker, "fingerprints")
        for name in names:
            if any(macros for _, _, macros in _gated(name)):
                ensure_file_macros(maker, name)
    finally:
        maker.close()
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for r in ranges:
        todo.put(r)
    n_workers = max(1, min(threads, WORKERS, len(ranges)))
    stop = threading.Event()
    one_thread = threads > 1 and (n_workers > 1 or total < PARALLEL_FROM)
    if one_thread:  # a database-wide setting: put back as it was below
        con.execute("SET threads = ?", [1])
    try:
        with (
            tqdm(total=len(ranges), desc="detect", disable=not show or len(ranges) < 2) as bar,
            ThreadPoolExecutor(n_workers) as pool,
        ):
            futures = [
                pool.submit(
                    _worker,
                    con.cursor(),
                    todo,
                    runs,
                    names,
                    params,
                    shared,
                    bar,
                    stop,
                    path,
                    "cascade" in families,
                )
                for _ in range(n_workers)
            ]
            try:
                if meanwhile is not None:
                    meanwhile()
            except BaseException:
                stop.set()
                raise
            outs = [f.result() for f in futures]
    finally:
        if one_thread:
            con.execute("SET threads = ?", [threads])
    for found, read in outs:
        con.register("_det_chunk_out", found)
        con.execute(f"INSERT INTO {out} SELECT * FROM _det_chunk_out")  # (out: a det_ name of this module's)
        con.unregister("_det_chunk_out")
        if reads is not None:
            reads.extend(read)


def detect(
    ws,
    run_ids: Iterable[str] | None = None,
    config: DetectorConfig | dict | None = None,  # noqa: ANN001
    detectors: Sequence[str] | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
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
    chosen = (
        names_of(detectors, "detectors") if detectors is not None else list(DETECTORS)
    )  # ("loop": one name)
    unknown = sorted(set(chosen) - set(DETECTORS))
    if unknown:
        raise InvalidParameterError(f"unknown detector(s) {unknown}; the detectors are {list(DETECTORS)}")
    ws._writable()
    params = config.params()
    show = progress if progress is not None else ws.count("steps") > 1_000_000
    # On a connection of its own: its det_ tables neither replace nor drop a user's on ws.con. Read and compute
    # without the workspace's write lock (the one its ingests, labels and live capture take: held for the whole
    # detect, it kept an ingest given meanwhile waiting for all of it), then store under it, only the findings of
    # the runs that still hold the rows they were computed from (_fingerprint.py). Under the lock, two detects at
    # once store one after the other (each finding once), and an ingest committed meanwhile leaves its runs unmarked.
    lock = ws._writes
    generation = getattr(
        lock, "generation", None
    )  # (before the first read: a write ending after it moves it)
    with own_connection(ws._here(), "the detectors' findings", StoreError) as con:
        path = ensure_macros(con)  # (before the call's transaction: they are made on a cursor that commits)
        return _detect(con, chosen, config, params, show, path, run_ids, lock, generation)


def settings_fingerprint(config: DetectorConfig) -> str:
    """A short fingerprint of ``config``'s settings, which the ``detected`` marks keep (equal settings, equal text)."""
    return hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def _store(con, chosen: list[str], settings: str) -> None:  # noqa: ANN001
    """The findings of ``det_store_out`` in place of the store's of the ``chosen`` detectors for the runs of
    ``det_store_scope`` (those of the call's that did not change meanwhile), and those runs marked detected by them
    with ``settings`` (schema.sql's detected: a run found with nothing is told from one never detected)."""
    names = [n for f in chosen for n in WRITES.get(f, (f,))]
    marks = [f for f in chosen if f not in WHOLE_STORE]
    con.register("_det_names", pa.table({"detector": pa.array(names, type=pa.string())}))
    con.execute(
        "DELETE FROM findings WHERE run_id IN (SELECT run_id FROM det_store_scope) "
        "AND detector IN (SELECT detector FROM _det_names)"
    )
    con.unregister("_det_names")
    con.execute(
        "INSERT INTO findings (run_id, step_id, agent, detector, severity, detail, attributes) "
        "SELECT run_id, step_id, agent, detector, severity, detail, attributes::JSON FROM det_store_out"
    )
    if marks:
        # (the scope's runs of the store only: an id the caller named that is no run gets no mark)
        con.execute(
            "DELETE FROM detected WHERE run_id IN (SELECT run_id FROM det_store_scope) "
            "AND list_contains($d, detector)",
            {"d": marks},
        )
        con.execute(
            "INSERT INTO detected SELECT s.run_id, d.detector, $settings FROM det_store_scope s SEMI JOIN runs r "
            "ON r.run_id = s.run_id CROSS JOIN (SELECT unnest($d) AS detector) d",
            {"d": marks, "settings": settings},
        )


# (as stale.sql's `done`: a run marked detected, or holding findings a store brought without marks)
_DETECTED_OUTSIDE = (
    "SELECT EXISTS (SELECT 1 FROM detected ANTI JOIN det_scope USING (run_id)) "
    "OR EXISTS (SELECT 1 FROM findings ANTI JOIN det_scope USING (run_id))"
)


def _refresh(
    con,
    families: list[str],
    params: dict[str, Any],
    show: bool,
    path: str,  # noqa: ANN001
    vocab: pa.Table,
    reads: list[pa.Table],
) -> int:
    """``families`` (those reading the vocabulary) again on the runs detected before, outside this call's scope,
    whose findings the vocabulary may have changed (stale.sql): it is no longer the one their findings were
    computed with (_vocab.py). Their scope in ``det_stale``, their findings in ``det_stale_out``, the fingerprints of
    what they read added to ``reads``; the number of those runs."""
    # (stale.sql reads only the runs detected before outside the scope: with none, as in a store's first detect, its
    # scan, ~14 CPU ms to plan, finds none)
    if con.execute(_DETECTED_OUTSIDE).fetchall()[0][0]:
        con.register("det_vocab_now", vocab)
        try:
            for stmt in _statements("stale"):
                con.execute(stmt)
        finally:
            con.unregister("det_vocab_now")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE det_stale (run_id VARCHAR)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE det_stale_out (run_id VARCHAR, step_id VARCHAR, agent VARCHAR, "
        "detector VARCHAR, severity VARCHAR, detail VARCHAR, attributes VARCHAR)"
    )
    stale = con.execute("SELECT count(*) FROM det_stale").fetchall()[0][0]
    if not stale:
        return 0
    con.execute("ALTER TABLE det_scope RENAME TO det_scope_main")  # (_chunks reads det_scope)
    con.execute("ALTER TABLE det_stale RENAME TO det_scope")
    try:
        _run_chunked(con, families, params, show, path, vocab=vocab, out="det_stale_out", reads=reads)
    finally:
        con.execute("ALTER TABLE det_scope RENAME TO det_stale")
        con.execute("ALTER TABLE det_scope_main RENAME TO det_scope")
    return stale


def _detect(
    con,
    chosen: list[str],
    config: DetectorConfig,
    params: dict[str, Any],
    show: bool,  # noqa: ANN001
    path: str,
    run_ids: Iterable[str] | None = None,
    lock: Any = None,
    generation: int | None = None,
) -> pd.DataFrame:
    """:func:`detect`'s work, on ``con``, the call's own connection: read and compute in one transaction, then
    store in another under ``lock`` (the workspace's write lock; None: the caller holds it), the findings of the
    runs that did not change since (``generation``: the lock's before the first read, None when it keeps none)."""
    per_run = [f for f in chosen if f not in WHOLE_STORE]
    worded = [f for f in chosen if f in VOCAB_FAMILIES]
    # (temporary tables only: the reads' transaction writes nothing of the store, and conflicts with no write)
    with transaction(con, "the detectors' findings"):
        if run_ids is None:
            con.execute("CREATE OR REPLACE TEMP TABLE det_scope AS SELECT run_id FROM runs")
        else:
            fill_run_scope(con, "det_scope", run_ids)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE det_out (run_id VARCHAR, step_id VARCHAR, agent VARCHAR, "
            "detector VARCHAR, severity VARCHAR, detail VARCHAR, attributes VARCHAR)"
        )
        reads: list[pa.Table] = []  # (the workers' fingerprints of what they read)
        drifted: list[pd.DataFrame] = []

        def drift() -> None:
            if "drift" in chosen:
                drifted.append(detect_drift(con, config))

        vocab, fingerprint = read_vocab(con) if worded else (None, None)
        if per_run:  # drift reads the whole history on this connection while the chunks run
            _run_chunked(con, per_run, params, show, path, meanwhile=drift, vocab=vocab, reads=reads)
        else:
            drift()
        for found in drifted:
            if found.empty:  # (no frame to hand DuckDB and plan an insert of nothing for)
                continue
            con.register("_det_drift", found.astype(object))
            con.execute(
                "INSERT INTO det_out SELECT d.* FROM _det_drift d SEMI JOIN det_scope s "
                "ON s.run_id = d.run_id"
            )
            con.unregister("_det_drift")
        refresh = bool(worded) and stored_fingerprint(con) != fingerprint
        stale = _refresh(con, worded, params, show, path, vocab, reads) if refresh else 0
    settings = settings_fingerprint(config)
    with (
        lock if lock is not None else contextlib.nullcontext(),
        transaction(con, "the detectors' findings", own=True),
    ):
        moved = generation is None or getattr(lock, "generation", None) != generation
        if moved:
            find_changed(con, reads, path)
        for found in drifted:
            # that drift was tested, and how much of the history could be: a panel without findings then
            # says "none found" or "too few runs to judge", not "run wb.detect"
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('drift_checked', ?)",
                [
                    json.dumps(
                        {
                            "pairs_tested": int(found.attrs.get("pairs_tested", 0)),
                            "min_runs": config.drift_min_runs,
                            "alpha": config.drift_alpha,
                        }
                    )
                ],
            )
        # (no stale run: its batch would delete and store nothing)
        batches = [("det_scope", "det_out", chosen)] + (
            [("det_stale", "det_stale_out", worded)] if stale else []
        )
        unchanged = " ANTI JOIN det_changed USING (run_id)" if moved else ""
        for scope, out, families in batches:  # (det_ names of this module's)
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW det_store_scope AS SELECT run_id FROM {scope}{unchanged}"
            )
            con.execute(f"CREATE OR REPLACE TEMP VIEW det_store_out AS SELECT * FROM {out}{unchanged}")
            _store(con, families, settings)
        if refresh and stored_fingerprint(con) != fingerprint:
            store_fingerprint(con, fingerprint)
        changed = (
            [r[0] for r in con.execute("SELECT run_id FROM det_changed ORDER BY run_id").fetchall()]
            if moved
            else []
        )
    result = con.execute(f"SELECT * FROM det_out{unchanged} ORDER BY run_id, detector, step_id").df()
    if changed:
        _log.warning(
            "wb.detect: %d run(s) changed while their findings were computed (an ingest or a label "
            "meanwhile), left as they were and not marked detected, so detect='auto' computes them "
            "again: %s",
            len(changed),
            ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else ""),
        )
    result = result[_COLUMNS]
    result.attrs["changed_meanwhile"] = changed
    # (its working tables go with the call's own connection, which detect() closes: own_connection)
    return result

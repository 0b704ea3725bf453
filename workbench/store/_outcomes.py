"""The one definition of a failed run, spliced into every query that counts failures.

``run_outcomes.sql`` gives each run the outcome the counts read, with ``$silent`` choosing whether a
run taken as failed (``taken_as_failed.sql``: a critical silent_failure finding on a run no label
says succeeded) counts as failed, as ``workbench investigate`` counts it, or only the stored outcome.
A query names the relation ``{run_outcomes}``; :func:`with_run_outcomes` puts the SQL in its place
(text from the package's own files, never from a log or a caller).
"""

from __future__ import annotations

import sys
from typing import Any

from ..exceptions import InvalidParameterError
from ._connection import sql_text
from ._own_connection import own_cursor
from ._run_scope import fill_run_scope, run_id_list, run_scope

TAKEN_SQL = sql_text("taken_as_failed")
RUN_OUTCOMES_SQL = sql_text("run_outcomes").replace("{taken_as_failed}", TAKEN_SQL)

# How every view names the outcome of a run taken as failed (the explorer's list and header, the findings
# overview's drill-down, which binds it into its query): one spelling.
TAKEN_OUTCOME = "failure (silent)"

# What each counting is called in reports (a sweep's, a backtest's, a policy's provenance).
COUNTING = {
    True: "failed = labelled failures + runs taken as failed (silent failures, as workbench investigate)",
    False: "failed = labelled/reported failures only (silent failures count as their reported outcome)",
}


def silent_flag(silent: object, where: str) -> bool:
    """``silent`` checked once for every function that takes it: a bool (or numpy bool), else TypeError
    naming ``where``. Refused rather than read: ``bool("false")`` is True, so a string (from a config
    file, a query string, an environment variable) would silently count the other way."""
    if isinstance(silent, bool):
        return silent
    # numpy and pandas are looked up, not imported: a value of theirs exists only once they are, and this
    # module is on the path of every `wb.open` (a native ingest leaves pyarrow, which pandas imports, unloaded)
    np = sys.modules.get("numpy")
    if np is not None and isinstance(silent, np.bool_):
        return bool(silent)
    raise TypeError(
        f"{where}: silent must be True or False (got {silent!r}, a {type(silent).__name__}; "
        "a string such as 'false' is not read as a bool)"
    )


def counted_as(silent: bool) -> str:
    """``run_outcomes.sql`` with ``$silent`` fixed to ``silent``: for queries that bind ``?`` placeholders
    (DuckDB does not mix them with named ones). The literal comes from a bool, never from a caller's text."""
    return RUN_OUTCOMES_SQL.replace("$silent", "TRUE" if silent_flag(silent, "counted_as") else "FALSE")


# Every run failed for the user, as workbench investigate counts it (silent failures included):
# run_id, and why it is taken as failed (NULL when known to have failed).
FAILED_SQL = f"SELECT run_id, taken_why FROM ({counted_as(True)}) WHERE outcome = 'failure'"


# The runs a policy or sweep learns from (policy_from_findings(runs=...)): the others' outcomes are unknown to
# it, so every query reading known outcomes (sweeps, peaks) leaves them out, as it leaves unlabelled runs out.
# $learn_scoped false: every run; true: only those in the temp table _learn_scope (made by learn_scope on
# the cursor the query runs on).
_LEARNING_SQL = (
    "SELECT * REPLACE (CASE WHEN NOT $learn_scoped OR run_id IN (SELECT run_id FROM _learn_scope) "
    f"THEN outcome END AS outcome) FROM ({RUN_OUTCOMES_SQL})"
)


def learning(query: str) -> str:
    """``query`` (run_outcomes.sql spliced in) reading the outcomes of the runs learned from only (binds
    ``$learn_scoped``; see :func:`learn_scope`)."""
    if RUN_OUTCOMES_SQL not in query:
        raise ValueError("query does not read run_outcomes.sql")
    return query.replace(RUN_OUTCOMES_SQL, _LEARNING_SQL)


def learn_scope(con: Any, runs: list[str] | None) -> bool:
    """Fill the temp table ``_learn_scope`` on ``con`` with ``runs`` (a cursor's temp tables are its own);
    the value to bind to ``$learn_scoped``."""
    return fill_run_scope(con, "_learn_scope", runs)


def runs_by_system(ws: Any) -> dict[str, list[str]]:
    """Each system's run ids in order ('' for the runs whose log names no system): one GROUP BY, not
    ``ws.runs()``'s frame of every run with its attributes (a store of millions)."""
    from ._own_connection import fetch

    return {
        system: list(ids)
        for system, ids in fetch(
            ws.con, "SELECT coalesce(system, ''), list(run_id ORDER BY run_id) FROM runs GROUP BY ALL"
        )
    }


def run_ids(ws: Any, runs: Any, where: str) -> list[str] | None:
    """``runs`` as a list of run ids the store holds: ids (a list, tuple, set, Series or Index) or the frame
    ``ws.runs(...)`` returns (its ``run_id`` column: a filter). None: every run. An id the store does not hold
    is an error naming it (a typo would otherwise learn from fewer runs unsaid)."""
    if runs is None:
        return None
    if isinstance(runs, str):
        raise TypeError(
            f"{where}: runs must be a list of run ids or a frame with a run_id column, not one "
            f"string ({runs!r}): runs=[{runs!r}] for one run"
        )
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(runs, pd.DataFrame):
        if "run_id" not in runs:
            raise InvalidParameterError(
                f"{where}: the runs frame has no run_id column (columns: {', '.join(map(str, runs.columns))})"
            )
        runs = runs["run_id"]
    ids = list(dict.fromkeys(run_id_list(runs, f"{where}: runs")))  # (runs=5, [None]: named, not run on)
    with own_cursor(ws.con) as con, run_scope(con, "_given_runs", ids):
        held = {
            r
            for (r,) in con.execute("SELECT run_id FROM runs SEMI JOIN _given_runs USING (run_id)").fetchall()
        }
    missing = [r for r in ids if r not in held]
    if missing:
        raise InvalidParameterError(
            f"{where}: {len(missing)} of the runs given are not in this store: "
            f"{', '.join(map(repr, missing[:5]))}{', ...' if len(missing) > 5 else ''}"
        )
    return ids


def with_run_outcomes(query: str) -> str:
    """``query`` with ``{run_outcomes}`` replaced by the runs-with-outcome subquery (reads ``$silent``)."""
    if "{run_outcomes}" not in query:
        raise ValueError("query does not read {run_outcomes}")
    return query.replace("{run_outcomes}", f"({RUN_OUTCOMES_SQL})")


def taken_from(query: str, relation: str) -> str:
    """``query`` (with run_outcomes.sql spliced in) reading the runs taken as failed from ``relation``
    (a table or view of ``taken_as_failed.sql``'s rows, run_id and why, computed once by the caller)
    instead of computing them again: for a view that queries the outcomes many times (the explorer's
    pages), as the taken rule joins every step. ``relation`` is a name the package made, never a caller's."""
    if TAKEN_SQL not in query:
        raise ValueError("query does not read run_outcomes.sql")
    return query.replace(TAKEN_SQL, f"SELECT run_id, why FROM {relation}")

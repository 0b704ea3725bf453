"""The one definition of a failed run, spliced into every query that counts failures.

``run_outcomes.sql`` gives each run the outcome the counts read, with ``$silent`` choosing whether a
run taken as failed (``taken_as_failed.sql``: a critical silent_failure finding on a run no label
says succeeded) counts as failed, as ``workbench investigate`` counts it, or only the stored outcome.
A query names the relation ``{run_outcomes}``; :func:`with_run_outcomes` puts the SQL in its place
(text from the package's own files, never from a log or a caller).
"""

from __future__ import annotations

from ._connection import sql_text

TAKEN_SQL = sql_text("taken_as_failed")
RUN_OUTCOMES_SQL = sql_text("run_outcomes").replace("{taken_as_failed}", TAKEN_SQL)

# What each counting is called in reports (a sweep's, a backtest's, a policy's provenance).
COUNTING = {True: "failed = labelled failures + runs taken as failed (silent failures, as workbench investigate)",
            False: "failed = labelled/reported failures only (silent failures count as their reported outcome)"}


def counted_as(silent: bool) -> str:
    """``run_outcomes.sql`` with ``$silent`` fixed to ``silent``: for queries that bind ``?`` placeholders
    (DuckDB does not mix them with named ones). The literal comes from a bool, never from a caller's text."""
    return RUN_OUTCOMES_SQL.replace("$silent", "TRUE" if silent else "FALSE")


# Every run failed for the user, as workbench investigate counts it (silent failures included):
# run_id, and why it is taken as failed (NULL when known to have failed).
FAILED_SQL = f"SELECT run_id, taken_why FROM ({counted_as(True)}) WHERE outcome = 'failure'"


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

"""The tokens of AG2 1.x's ``record_usage`` spans, kept when they are a run's only record of them.

AG2's ``TelemetryMiddleware`` writes a ``record_usage`` span beside each model call repeating its
``gen_ai.usage.*``: such a span keeps no tokens of its own (:mod:`._ag2`), only in its attributes. When the
model calls' spans carry no usage (an instrumentation that cannot read it, a span dropped by a sampler), those
records are all the log says of the run's tokens: once a call's steps are staged, the records of the AG2 runs
staged (``Stage.turn_runs``) take their tokens if no other step of the run, staged or stored, holds any
(``ag2_usage_tokens.sql``). The calls may come in any order and split: records an earlier call stored with
tokens give them up in the merge's transaction once a step of their run holding tokens comes
(:func:`empty_stored_usage`), so a run's tokens are the ones a single call gives.
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_text
from ..store._export_usage import usage_macros
from ..store._run_scope import run_scope


def usage_tokens(con: duckdb.DuckDBPyConnection, runs: set[str]) -> None:
    """Give the staged model-call usage records of the AG2 runs ``runs`` their tokens where nothing else in the
    run holds tokens."""
    usage_macros(con)
    with run_scope(con, "_ag2_runs", runs):
        con.execute(sql_text("ag2_usage_tokens"))


def empty_stored_usage(con: duckdb.DuckDBPyConnection, runs: set[str]) -> None:
    """In the merge's transaction, before staged steps are compared with stored ones: the stored usage records of
    the AG2 runs ``runs`` that kept tokens give them up where another step of the run now holds tokens."""
    if runs:
        usage_macros(con)
        with run_scope(con, "_ag2_runs", runs):
            con.execute(sql_text("ag2_usage_stored"))

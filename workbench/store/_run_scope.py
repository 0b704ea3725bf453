"""The one way a list of run ids reaches SQL: a temp table filled from one bound list parameter.

Every query scoped to some runs reads a temp table of them (``SEMI JOIN <table> USING (run_id)``).
The ids travel as a single bound ``$runs`` list, unnested by DuckDB: no value is ever formatted into
the SQL, nothing imports pyarrow (the native ingest and ``wb.open`` path stays free of it), and a
million ids take about a second of CPU (bench/run_scope.py), where the row-by-row ``executemany`` it
replaces took about 8 s for 10,000.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

import duckdb

from .._params import is_number
from ..exceptions import InvalidParameterError

# A table name is the package's own constant, never a caller's text: checked, as it is the one thing
# formatted into the statements below.
_TABLE = re.compile(r"_?[a-z][a-z0-9_]*\Z")


def fill_run_scope(con: Any, table: str, runs: Iterable[Any] | None) -> bool:
    """Create (or replace) the temp table ``table`` (one column, ``run_id VARCHAR``) on ``con`` holding the
    distinct ``runs`` (each read with ``str``). ``None``: the table is left empty and the answer is False
    (no scope: every run), else True (the value queries bind to say whether they are scoped). A cursor's
    temp tables are its own. A lone string is refused (:func:`run_id_list`)."""
    if not _TABLE.match(table):
        raise ValueError(f"fill_run_scope: {table!r} is not a table name of the package's")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (run_id VARCHAR)")
    if runs is None:
        return False
    ids = run_id_list(runs)
    if ids:
        con.execute(f"INSERT INTO {table} SELECT DISTINCT unnest($runs)", {"runs": ids})
    return True


class NotRunIds(InvalidParameterError, TypeError):
    """A value given as run ids that is none: an :class:`InvalidParameterError` (README, "Errors"), and a
    ``TypeError`` as the refusal of a lone string was before."""


def run_id_list(runs: Iterable[Any], name: str = "run_ids") -> list[str]:
    """``runs`` (the parameter ``name``) as a list of run ids: each a string, or a number read with ``str`` (as
    :func:`one_run_id` reads one). Refused, :class:`NotRunIds` naming ``name``: a lone string (read as its
    characters, ``"r01"`` scoped a call to runs "r", "0" and "1", and ``model.predict(ws, "r01")`` answered with no
    row and no word), bytes (``b"r1"``: its byte values), a value that is no collection (``wb.detect(ws, 5)``: a
    bare "'int' object is not iterable"), and an id that is neither text nor a number (``[None]`` scoped the call to
    a run "None" and ran on nothing, unsaid)."""
    if isinstance(runs, str):
        raise NotRunIds(
            f"run ids must be a list of run ids, not the string {runs[:80]!r}: "
            f"pass [{runs[:80]!r}] for that one run"
        )
    if isinstance(runs, (bytes, bytearray, memoryview)):
        raise NotRunIds(f"{name} must be a list of run ids (str), not bytes ({bytes(runs[:60])!r})")
    try:
        ids = list(runs)
    except TypeError:
        raise NotRunIds(
            f"{name} must be a list of run ids (got {type(runs).__name__} {repr(runs)[:60]})"
        ) from None
    odd = next((i for i, r in enumerate(ids) if not isinstance(r, str) and not is_number(r)), None)
    if odd is not None:
        raise NotRunIds(
            f"{name} holds {type(ids[odd]).__name__} {repr(ids[odd])[:60]} at position {odd}: a run id "
            "is text (or a number)"
        )
    return [r if isinstance(r, str) else str(r) for r in ids]


def known_run_ids(ws: Any, runs: Iterable[Any], where: str) -> list[str]:
    """``runs`` as :func:`run_id_list` reads them, or InvalidParameterError naming ``where`` and the ids the store
    of ``ws`` does not hold (a mistyped id answered as a run with nothing to say)."""
    ids = run_id_list(runs)
    missing = (
        [
            r
            for (r,) in ws.con.execute(
                "SELECT DISTINCT r FROM (SELECT unnest($runs) AS r) ANTI JOIN runs ON runs.run_id = r ORDER BY r LIMIT 6",
                {"runs": ids},
            ).fetchall()
        ]
        if ids
        else []
    )
    if missing:
        more = ", ..." if len(missing) > 5 else ""
        raise InvalidParameterError(
            f"{where}: run_ids: no run {', '.join(map(repr, missing[:5]))}{more} in this store"
        )
    return ids


def one_run_id(run_id: Any, where: str) -> str:
    """One run id as the store keeps it: a string as is, a number read with ``str`` (as :func:`run_id_list` reads
    each); anything else a TypeError naming ``where``. Bound as given, DuckDB cast the store's ids to its type:
    ``ws.steps(5)`` failed on "Could not convert string 'proc-1' to INT32", ``ws.steps(["r1"])`` likewise."""
    if isinstance(run_id, str):
        return run_id
    if isinstance(run_id, (int, float)) and not isinstance(run_id, bool):
        return str(run_id)
    raise TypeError(
        f"{where}: run_id must be one run id, a string (got a {type(run_id).__name__}: {str(run_id)[:80]!r})"
    )


@contextlib.contextmanager
def run_scope(con: Any, table: str, runs: Iterable[Any] | None) -> Iterator[bool]:
    """:func:`fill_run_scope` for the length of a ``with`` block, the table dropped after it."""
    scoped = fill_run_scope(con, table, runs)
    try:
        yield scoped
    finally:
        # a failed statement inside a transaction leaves it aborted, and the drop would then raise over
        # the error that matters; the temp table dies with the connection anyway
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")

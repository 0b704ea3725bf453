"""The backend's vocabulary (``vocab.sql``) the silent-failure and cascade checks read, and its fingerprint.

It is built over the whole store, so an ingest of other runs can change a run's findings of those two families:
a value the new runs' tools report makes a final answer's "status: shipped" contradict the backend. The
fingerprint of the vocabulary their stored findings were computed with is kept in ``meta``; a detect that finds
another one computes those two families again on the runs detected before whose findings it may change
(``stale.sql``), and ``BlameModel``'s
``detect="auto"`` runs the detectors when the store's vocabulary is no longer the one its findings were found
with (before, it took a run with findings as done: the stored findings of a run then disagreed with
``wb.detect`` on that run).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..store._connection import sql_statements

# The families whose findings read the vocabulary (through values.sql).
VOCAB_FAMILIES = ("silent_failure", "cascade")
_KEY = "detect_vocab"


def _vocab_sql() -> str:
    (stmt,) = sql_statements("vocab", __package__)
    return stmt


def _fingerprint(con: Any, source: str) -> str:
    """The fingerprint of the vocabulary rows of ``source`` (a table name or a parenthesised query)."""
    n, h = con.execute(f"SELECT count(*), coalesce(bit_xor(hash(k, v)), 0) FROM {source}").fetchall()[0]
    return f"{n}:{h}"


def read_vocab(con: Any) -> tuple[pa.Table, str]:
    """The store's vocabulary (columns k, v) and its fingerprint."""
    table = con.sql(_vocab_sql()).to_arrow_table()
    con.register("_det_vocab_fingerprint", table)
    try:
        return table, _fingerprint(con, "_det_vocab_fingerprint")
    finally:
        con.unregister("_det_vocab_fingerprint")


def vocab_changed(con: Any) -> bool:
    """Whether the store's vocabulary now is other than the one its findings were computed with (one statement:
    :func:`stored_fingerprint` against the fingerprint :func:`read_vocab` gives)."""
    stored, n, h = con.execute(
        f"SELECT (SELECT value FROM meta WHERE key = ?), count(*), coalesce(bit_xor(hash(k, v)), 0) "
        f"FROM ({_vocab_sql()})",
        [_KEY],
    ).fetchall()[0]
    return stored != f"{n}:{h}"


def stored_fingerprint(con: Any) -> str | None:
    """The fingerprint of the vocabulary the store's findings of :data:`VOCAB_FAMILIES` were computed with."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", [_KEY]).fetchall()
    return row[0][0] if row else None


def store_fingerprint(con: Any, fingerprint: str) -> None:
    """Record ``fingerprint`` as the one the store's findings were computed with (in the caller's transaction)."""
    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [_KEY, fingerprint])

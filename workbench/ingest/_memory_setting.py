"""Putting back the memory limit an ingest found, when it ran within a budget of its own.

DuckDB's ``memory_limit`` is the database's, shared by every connection: the ingest's budget (``SET
memory_limit``) replaces whatever limit was there, and ``RESET`` afterwards put back DuckDB's default (80% of the
machine's memory), not a limit the user had SET on ``ws.con`` themselves: after one ingest their cap was gone.

DuckDB tells the setting only as it shows it, cut to one decimal (``'3.7 GiB'`` for 4GB, ``'953.6 MiB'`` for
1GB); set back from that text, DuckDB's own rounding lost another tenth at every ingest (4GB: 3.7, 3.6, 3.5 GiB
...). A limit that was not DuckDB's default is set back in bytes, to about the least value DuckDB shows so (in
whole MiB of a GiB: DuckDB keeps a limit a little under the bytes given): exact for a round binary cap (``2GiB``), at most
a tenth of the unit under any other, and the same after any number of ingests.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import duckdb

_SHOWN = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)\Z")
_UNIT = {
    "b": 1,
    "bytes": 1,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
    "pib": 2**50,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "pb": 10**15,
}


def memory_limit_shown(con: duckdb.DuckDBPyConnection) -> str:
    """The database's memory limit as DuckDB shows it."""
    return str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])


def restore_memory_limit(con: duckdb.DuckDBPyConnection, shown: str) -> None:
    """Set the memory limit back to ``shown`` (:func:`memory_limit_shown` before the call changed it): DuckDB's
    default when it was that, else about the least number of bytes DuckDB shows so."""
    con.execute("RESET memory_limit")
    if memory_limit_shown(con) == shown:
        return
    m = _SHOWN.match(shown.strip())
    unit = _UNIT.get(m.group(2).lower()) if m else None
    if m is None or unit is None:  # (a form DuckDB does not show today: set as it was shown)
        con.execute("SET memory_limit = ?", [shown])
        return
    least = math.ceil(Decimal(m.group(1)) * unit)
    step = max(unit // 1024, 1)  # (a whole MiB of a GiB, KiB of a MiB)
    least = -(-least // step) * step
    con.execute("SET memory_limit = ?", [f"{least}B"])

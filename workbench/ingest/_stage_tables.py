"""The staging tables: their columns (as DuckDB types), the values some of them may hold, their DDL.

An adapter hands rows to a :class:`~._base.Stage`, which writes them into these temporary tables; the
merge (``store/sql/finalize*.sql``) reads them from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (annotations only: the span mapping imports this module into a live guard)
    import duckdb
    import pyarrow as pa

STEP_KINDS = ("llm", "tool", "agent", "handoff", "human", "system", "chain", "retriever", "other")
STEP_STATUSES = ("ok", "error", "unset")

OUTCOMES = ("success", "failure", "unknown")
EDGE_KINDS = ("handoff", "consumes")
# Timestamps are nanoseconds since 1970 that fit a signed 64-bit integer (up to the year 2262).
_NS_MAX = 2**63

STAGE_STEP_COLUMNS: dict[str, str] = {
    "file": "VARCHAR",
    "line": "BIGINT",
    "run_id": "VARCHAR",
    "step_id": "VARCHAR",
    "parent_id": "VARCHAR",
    "agent": "VARCHAR",
    "is_agent": "BOOLEAN",
    "kind": "VARCHAR",
    "name": "VARCHAR",
    "tool": "VARCHAR",
    "model": "VARCHAR",
    "start_ns": "BIGINT",
    "end_ns": "BIGINT",
    "latency_ms": "DOUBLE",
    "status": "VARCHAR",
    "error": "VARCHAR",
    "input": "VARCHAR",
    "output": "VARCHAR",
    "tokens_in": "BIGINT",
    "tokens_out": "BIGINT",
    "cost": "DOUBLE",
    "confidence": "DOUBLE",
    "entropy": "DOUBLE",
    "attributes": "VARCHAR",
    "order_hint": "BIGINT",
    "source": "VARCHAR",
    "raw": "VARCHAR",
}

STAGE_RUN_COLUMNS: dict[str, str] = {
    "file": "VARCHAR",
    "line": "BIGINT",
    "run_id": "VARCHAR",
    "source": "VARCHAR",
    "system": "VARCHAR",
    "task": "VARCHAR",
    "outcome": "VARCHAR",
    "outcome_detail": "VARCHAR",
    "attributes": "VARCHAR",
    "start_ns": "BIGINT",
    "end_ns": "BIGINT",
}

STAGE_EDGE_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "src_step": "VARCHAR",
    "dst_step": "VARCHAR",
    "kind": "VARCHAR",
}

STAGE_LABEL_COLUMNS: dict[str, str] = {
    "run_id": "VARCHAR",
    "agent": "VARCHAR",
    "step_id": "VARCHAR",
    "kind": "VARCHAR",
    "source": "VARCHAR",
    "outcome": "VARCHAR",
    "detail": "VARCHAR",
    "given_by": "VARCHAR",
}

STAGE_QUARANTINE_COLUMNS: dict[str, str] = {
    "file": "VARCHAR",
    "line": "BIGINT",
    "reason": "VARCHAR",
    "raw": "VARCHAR",
    "source": "VARCHAR",
    "run_id": "VARCHAR",
    "step_id": "VARCHAR",
    "raw_bytes": "BIGINT",
    "raw_sha256": "VARCHAR",
}

_TABLES = {
    "steps": STAGE_STEP_COLUMNS,
    "runs": STAGE_RUN_COLUMNS,
    "edges": STAGE_EDGE_COLUMNS,
    "labels": STAGE_LABEL_COLUMNS,
    "quarantine": STAGE_QUARANTINE_COLUMNS,
}

_INT_FIELDS = frozenset(k for k, t in STAGE_STEP_COLUMNS.items() if t == "BIGINT" and k not in ("line",))
_FLOAT_FIELDS = frozenset(k for k, t in STAGE_STEP_COLUMNS.items() if t == "DOUBLE")
_TEXT_FIELDS = frozenset(
    k for k, t in STAGE_STEP_COLUMNS.items() if t == "VARCHAR" and k not in ("file", "raw")
)


def arrow_type(duck_type: str) -> pa.DataType:
    """The Arrow type of a staging column's DuckDB type (for the rows a Python reader hands over in batches).

    (pyarrow is imported here, not with the module: the native format's fast path stages in SQL and never
    needs it, and its import costs every process ~37 MB and ~0.13 CPU s.)
    """
    import pyarrow as pa

    return {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}[
        duck_type
    ]


# The Python values each staging column type is built from buffers for (bool is an int: not one of them).
_PLAIN = {"VARCHAR": (str,), "BIGINT": (int,), "TINYINT": (int,), "DOUBLE": (float, int), "BOOLEAN": (bool,)}


def arrow_column(values: list, duck_type: str) -> pa.Array:
    """A staging column's Python values (``None`` for NULL) as an Arrow array of ``arrow_type(duck_type)``'s kind.

    Built from NumPy buffers, as ``_line_table.block_table`` builds its columns: ``pa.array`` imports pandas
    (pyarrow looks for its types), ~44 MB of RSS and ~0.3 CPU s in a process that has not, and an OTLP
    file read by the SQL path but for one line handed to the Python reader paid that for the line. A value of
    any other Python type goes through ``pa.array`` (which converts or rejects it as before).
    ``TINYINT``: the JSON-rewrite flags (``Stage._flush_table``'s ``_json``), int8.
    """
    import numpy as np
    import pyarrow as pa

    kinds, n = _PLAIN[duck_type], len(values)
    if any(type(v) not in kinds for v in values if v is not None):
        return pa.array(values, type=pa.int8() if duck_type == "TINYINT" else arrow_type(duck_type))
    valid = np.fromiter((v is not None for v in values), dtype=np.bool_, count=n)
    nulls = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    if duck_type == "VARCHAR":
        parts = [b"" if v is None else v.encode() for v in values]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=n), out=offsets[1:])
        return pa.Array.from_buffers(
            pa.large_string(), n, [nulls, pa.py_buffer(offsets), pa.py_buffer(b"".join(parts))]
        )
    if duck_type == "BOOLEAN":
        bits = np.packbits(
            np.fromiter((v is True for v in values), dtype=np.bool_, count=n), bitorder="little"
        )
        return pa.Array.from_buffers(pa.bool_(), n, [nulls, pa.py_buffer(bits)])
    dtype, atype = {
        "BIGINT": (np.int64, pa.int64()),
        "TINYINT": (np.int8, pa.int8()),
        "DOUBLE": (np.float64, pa.float64()),
    }[duck_type]
    data = np.fromiter((0 if v is None else v for v in values), dtype=dtype, count=n)
    return pa.Array.from_buffers(atype, n, [nulls, pa.py_buffer(data)])


def create_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create (empty) temporary staging tables on ``con``."""
    con.execute(_CREATE_SCRIPT)  # (one string, DuckDB runs its statements in turn: a round trip, not five)


_CREATE_SCRIPT = "".join(
    f"CREATE OR REPLACE TEMP TABLE stage_{table} ({', '.join(f'{name} {t}' for name, t in cols.items())});\n"
    for table, cols in _TABLES.items()
)


def drop_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging tables."""
    for table in _TABLES:
        con.execute(f"DROP TABLE IF EXISTS stage_{table}")

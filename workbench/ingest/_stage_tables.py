"""The staging tables: their columns (as DuckDB types), the values some of them may hold, their DDL.

An adapter hands rows to a :class:`~._base.Stage`, which writes them into these temporary tables; the
merge (``store/sql/finalize*.sql``) reads them from there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:   # (annotations only: the span mapping imports this module into a live guard)
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

_INT_FIELDS = frozenset(
    k for k, t in STAGE_STEP_COLUMNS.items() if t == "BIGINT" and k not in ("line",)
)
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

    return {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_()}[duck_type]


def create_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create (empty) temporary staging tables on ``con``."""
    for table, cols in _TABLES.items():
        ddl = ", ".join(f"{name} {t}" for name, t in cols.items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage_{table} ({ddl})")


def drop_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging tables."""
    for table in _TABLES:
        con.execute(f"DROP TABLE IF EXISTS stage_{table}")

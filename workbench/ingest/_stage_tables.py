"""The staging tables: their columns (as Arrow types), the values some of them may hold, their DDL.

An adapter hands rows to a :class:`~._base.Stage`, which writes them into these temporary tables; the
merge (``store/sql/finalize*.sql``) reads them from there.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

STEP_KINDS = ("llm", "tool", "agent", "handoff", "human", "system", "chain", "retriever", "other")

OUTCOMES = ("success", "failure", "unknown")
EDGE_KINDS = ("handoff", "consumes")
# Timestamps are nanoseconds since 1970 that fit a signed 64-bit integer (up to the year 2262).
_NS_MAX = 2**63

STAGE_STEP_COLUMNS: dict[str, pa.DataType] = {
    "file": pa.string(),
    "line": pa.int64(),
    "run_id": pa.string(),
    "step_id": pa.string(),
    "parent_id": pa.string(),
    "agent": pa.string(),
    "is_agent": pa.bool_(),
    "kind": pa.string(),
    "name": pa.string(),
    "tool": pa.string(),
    "model": pa.string(),
    "start_ns": pa.int64(),
    "end_ns": pa.int64(),
    "latency_ms": pa.float64(),
    "status": pa.string(),
    "error": pa.string(),
    "input": pa.string(),
    "output": pa.string(),
    "tokens_in": pa.int64(),
    "tokens_out": pa.int64(),
    "cost": pa.float64(),
    "confidence": pa.float64(),
    "entropy": pa.float64(),
    "attributes": pa.string(),
    "order_hint": pa.int64(),
    "source": pa.string(),
    "raw": pa.string(),
}

STAGE_RUN_COLUMNS: dict[str, pa.DataType] = {
    "file": pa.string(),
    "line": pa.int64(),
    "run_id": pa.string(),
    "source": pa.string(),
    "system": pa.string(),
    "task": pa.string(),
    "outcome": pa.string(),
    "outcome_detail": pa.string(),
    "attributes": pa.string(),
}

STAGE_EDGE_COLUMNS: dict[str, pa.DataType] = {
    "run_id": pa.string(),
    "src_step": pa.string(),
    "dst_step": pa.string(),
    "kind": pa.string(),
}

STAGE_LABEL_COLUMNS: dict[str, pa.DataType] = {
    "run_id": pa.string(),
    "agent": pa.string(),
    "step_id": pa.string(),
    "kind": pa.string(),
    "source": pa.string(),
    "outcome": pa.string(),
    "detail": pa.string(),
}

STAGE_QUARANTINE_COLUMNS: dict[str, pa.DataType] = {
    "file": pa.string(),
    "line": pa.int64(),
    "reason": pa.string(),
    "raw": pa.string(),
    "source": pa.string(),
    "run_id": pa.string(),
    "step_id": pa.string(),
    "raw_bytes": pa.int64(),
    "raw_sha256": pa.string(),
}

_TABLES = {
    "steps": STAGE_STEP_COLUMNS,
    "runs": STAGE_RUN_COLUMNS,
    "edges": STAGE_EDGE_COLUMNS,
    "labels": STAGE_LABEL_COLUMNS,
    "quarantine": STAGE_QUARANTINE_COLUMNS,
}

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
}

_INT_FIELDS = frozenset(
    k for k, t in STAGE_STEP_COLUMNS.items() if t == pa.int64() and k not in ("line",)
)
_FLOAT_FIELDS = frozenset(k for k, t in STAGE_STEP_COLUMNS.items() if t == pa.float64())
_TEXT_FIELDS = frozenset(
    k for k, t in STAGE_STEP_COLUMNS.items() if t == pa.string() and k not in ("file", "raw")
)


def create_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create (empty) temporary staging tables on ``con``."""
    for table, cols in _TABLES.items():
        ddl = ", ".join(f"{name} {_DUCK_TYPES[t]}" for name, t in cols.items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage_{table} ({ddl})")


def drop_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging tables."""
    for table in _TABLES:
        con.execute(f"DROP TABLE IF EXISTS stage_{table}")

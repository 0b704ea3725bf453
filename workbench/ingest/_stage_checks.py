"""The "anything to do?" test of each step between staging and the merge, written once
(``store/sql/stage_facts.sql``, a section a fact): the step asks its own with :func:`holds`, and
``_stage_facts`` asks them all in one statement built by :func:`all_facts_sql` from the same sections, so that
a test changed for its step is changed for the facts too."""

from __future__ import annotations

import functools
from typing import Any

import duckdb

from ..store._connection import sql_sections


@functools.lru_cache(maxsize=None)
def _checks() -> dict[str, str]:
    return {name: stmt for name, (stmt,) in ((n, s) for n, s in sql_sections("stage_facts") if n)}


def check_sql(fact: str) -> str:
    """The query of ``fact``'s section: the rows that give its step something to do."""
    return _checks()[fact]


def holds(con: duckdb.DuckDBPyConnection, fact: str, params: dict[str, Any] | None = None) -> bool:
    """Whether the stage (or store) holds any row for ``fact`` now: its step's own test."""
    return bool(con.execute(f"SELECT EXISTS ({check_sql(fact)})", params).fetchall()[0][0])


@functools.lru_cache(maxsize=None)
def all_facts_sql() -> str:
    """Every fact's test in one statement: rows ``(fact, 0 or 1)``."""
    return "\nUNION ALL ".join(
        f"SELECT '{name}', count(*) FROM ({stmt}\nLIMIT 1)" for name, stmt in _checks().items()
    )


def all_facts() -> list[str]:
    """The facts' names, in the order of their sections."""
    return list(_checks())

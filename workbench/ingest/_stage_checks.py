"""The "anything to do?" test of each step between staging and the merge, written once
(``store/sql/stage_facts.sql``, a section a fact): the step asks its own with :func:`holds`, and
``_stage_facts`` asks them all in one statement built by :func:`all_facts_sql` from the same sections, so that
a test changed for its step is changed for the facts too."""

from __future__ import annotations

import functools
import re
from typing import Any

import duckdb

from ..store._connection import sql_sections

# A section NAME_may is a cheaper test of fact NAME: a superset of NAME's rows (its yes may find nothing for the
# step, which then asks its own; its no is NAME's), asked by all_facts_sql in NAME's place when NAME's own
# plan costs much more than the step's work on a small call.
_MAY = "_may"


@functools.lru_cache(maxsize=None)
def _sections() -> dict[str, str]:
    return {name: stmt for name, (stmt,) in ((n, s) for n, s in sql_sections("stage_facts") if n)}


@functools.lru_cache(maxsize=None)
def _checks() -> dict[str, str]:
    return {name: stmt for name, stmt in _sections().items() if not name.endswith(_MAY)}


def check_sql(fact: str) -> str:
    """The query of ``fact``'s section: the rows that give its step something to do."""
    return _checks()[fact]


def holds(con: duckdb.DuckDBPyConnection, fact: str, params: dict[str, Any] | None = None) -> bool:
    """Whether the stage (or store) holds any row for ``fact`` now: its step's own test."""
    return bool(con.execute(f"SELECT EXISTS ({check_sql(fact)})", params).fetchall()[0][0])


# A test that is a filter of stage_steps alone (no join, group or second query): its WHERE.
_FILTER = re.compile(r"SELECT (?:(?!\bFROM\b).)*? FROM stage_steps(?:\s+WHERE\s+(?P<cond>.*))?", re.DOTALL)
_NOT_A_FILTER = re.compile(r"\b(?:FROM|JOIN|GROUP|UNION|LIMIT|ORDER|HAVING|WINDOW|QUALIFY)\b")


def _filter(stmt: str) -> str | None:
    """The condition of a test that only filters stage_steps ("true" with no WHERE), else None."""
    match = _FILTER.fullmatch(stmt)
    if match is None:
        return None
    cond = match.group("cond")
    if cond is None:
        return "true"
    return None if _NOT_A_FILTER.search(cond) else cond


@functools.lru_cache(maxsize=None)
def all_facts_sql() -> str:
    """Every fact's test in one statement: rows ``(fact, 0 or 1)`` (a fact's ``_may`` test in place of its own when
    it has one: a 1 there may be a 0 of its own). The tests that only filter stage_steps are counted in one scan of
    it, a FILTER each (as subqueries of their own, each with its LIMIT, they cost planning ~0.6 ms CPU apiece on a
    small call, ~5 of the statement's ~15 ms; one scan of a large stage costs no more than their scans)."""
    sections = _sections()
    tests = {name: sections.get(name + _MAY, stmt) for name, stmt in _checks().items()}
    filters = {name: cond for name, stmt in tests.items() if (cond := _filter(stmt)) is not None}
    parts = [
        f"SELECT '{name}', count(*) FROM ({stmt}\nLIMIT 1)"
        for name, stmt in tests.items()
        if name not in filters
    ]
    if filters:
        names = ", ".join(f"'{name}'" for name in filters)
        counts = ",\n".join(f"count(*) FILTER (WHERE {cond})" for cond in filters.values())
        parts.append(f"SELECT unnest([{names}]), unnest([{counts}]) FROM stage_steps")
    return "\nUNION ALL ".join(parts)


def may_facts() -> frozenset[str]:
    """The facts asked by a cheaper ``_may`` test (:func:`all_facts_sql`): a yes of theirs is not their own."""
    return frozenset(name for name in _checks() if name + _MAY in _sections())


def all_facts() -> list[str]:
    """The facts' names, in the order of their sections."""
    return list(_checks())

"""A detector family file's gated sections (``-- [section needs_det_x]``): which working table each needs, the
tables its statements make, and whether one holds rows, so that a worker skips the statements planned for nothing
(``_runner._worker``)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..store._connection import sql_sections
from ._macros import TEMP_MACRO

_NEEDS = re.compile(r"needs_(det_\w+)")


@lru_cache(maxsize=None)
def _gated(name: str) -> tuple[tuple[str | None, tuple[str, ...], bool], ...]:
    """A family file's statements by section, each with the working table it needs (``-- [section
    needs_det_x]``: its statements read only det_x's rows and write nothing when it is empty) or None (the
    file's first section, and ``-- [section every]``). det_x must be made by a statement that runs on every
    chunk, or in a section of its own needs_ (a table left by an earlier chunk of the worker would answer for
    this one): the tables of a section skipped count as made empty (_worker), and no statement outside such
    sections may read them. The third item: whether the section made macros of the file's own, made instead
    once per DuckDB instance (_macros.py) when the section first runs."""
    out = []
    for section, stmts in sql_sections(name, __package__):
        need = _NEEDS.fullmatch(section)
        if section not in ("", "every") and need is None:
            raise ValueError(
                f"detect/sql/{name}.sql: section {section!r} is neither needs_det_<table> nor every"
            )
        kept = tuple(s for s in stmts if not s.startswith(TEMP_MACRO))
        out.append((need.group(1) if need else None, kept, len(kept) < len(stmts)))
    return tuple(out)


_MAKES = re.compile(r"^CREATE OR REPLACE TEMP TABLE (det_\w+)", re.MULTILINE)


@lru_cache(maxsize=None)
def _made_by(stmts: tuple[str, ...]) -> frozenset[str]:
    """The working tables ``stmts`` make."""
    return frozenset(t for stmt in stmts for t in _MAKES.findall(stmt))


_WRITES = re.compile(r"^(?:CREATE OR REPLACE TEMP (TABLE|VIEW) (det_\w+)( AS)?|INSERT INTO (det_\w+))")


def _counted(rows: dict[str, int], stmt: str, result: list[tuple]) -> None:
    """Keep in ``rows`` what ``stmt`` (a family file's) left in the working table it writes: DuckDB answers a
    CREATE TABLE AS and an INSERT with the rows written, so no gate asks a table for them (~0.7 ms a question)."""
    m = _WRITES.match(stmt)
    if m is None:
        return
    kind, made, select, into = m.groups()
    if kind == "VIEW" or (select or into) and not result:  # (a view's rows are asked for when needed)
        rows.pop(made or into, None)
    elif made is not None:
        rows[made] = result[0][0] if select else 0  # (a table made empty, its columns named)
    elif into in rows:
        rows[into] += result[0][0]


def _holds_rows(con, table: str, rows: dict[str, int]) -> bool:  # noqa: ANN001
    """Whether ``table`` holds rows: as counted in this chunk (:func:`_counted`), else asked."""
    return rows[table] > 0 if table in rows else _has_rows(con, table)


def _has_rows(con, table: str) -> bool:  # noqa: ANN001
    # (table: a det_ name from the runner's own SQL files, matched by _NEEDS)
    return bool(con.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchall()[0][0])

"""The names an ingest or an export's merge gives its own temporary tables, views, macros and variables on the
workspace's connection, and the check that a user's own object of such a name is not there.

A call writes its temporary objects with CREATE OR REPLACE and drops what it made when it ends: a user's own
temporary table of one of these names on ``ws.con`` (``export_known_runs``, ``affected``, ``stage_steps``) was
replaced by the call's rows and kept so, or dropped; a temporary macro (``export_no_run``) or variable
(``export_max_field``) of theirs was dropped or reset. No name is one a user cannot pick, so the call refuses
to start instead, naming what is in the way; nothing is read or stored, nothing of the user's is touched.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import duckdb

from ..exceptions import IngestError

# (CREATE [OR REPLACE] TEMP TABLE|VIEW name, in the SQL files and the Python modules that stage and merge)
_CREATED = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
                      r"([A-Za-z_][A-Za-z0-9_]*)\b(?!\{)", re.IGNORECASE)
_PACKAGES = {"workbench.store": ("sql",), "workbench.ingest": ()}


@cache
def own_tables() -> frozenset[str]:
    """The temporary tables and views an ingest or an export's merge makes (each dropped when the call ends)."""
    from ..ingest._stage_tables import _TABLES as STAGE_TABLES
    from ._connection import TABLES

    names = {f"stage_{t}" for t in STAGE_TABLES} | {f"export_{t}" for t in TABLES}
    for package, subdirs in _PACKAGES.items():
        root = resources.files(package)
        for folder in [root, *(root.joinpath(d) for d in subdirs)]:
            for item in folder.iterdir():
                if item.name.endswith((".sql", ".py")):
                    names.update(m.group(1).lower() for m in _CREATED.finditer(item.read_text(encoding="utf-8")))
    return frozenset(names)


def refuse_taken_names(con: duckdb.DuckDBPyConnection, what: str, macros: tuple[str, ...] = (),
                       variables: tuple[str, ...] = ()) -> None:
    """Raise :class:`IngestError` naming the user's temporary tables, views, macros (``macros``: those the
    call drops when it ends) and variables on ``con`` that ``what`` (the ingest, the export's merge) would
    replace or drop."""
    tables = sorted(n for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal").fetchall()
        if n.lower() in own_tables())
    taken = [f"table {n!r}" for n in tables]
    if macros:
        taken += [f"macro {n!r}" for (n,) in con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE database_name = 'temp' "
            "AND function_type IN ('macro', 'table_macro') AND list_contains(?, function_name) ORDER BY 1",
            [list(macros)]).fetchall()]
    if variables:
        taken += [f"variable {n!r}" for (n,) in con.execute(
            "SELECT name FROM duckdb_variables() WHERE list_contains(?, name) ORDER BY 1",
            [list(variables)]).fetchall()]
    if taken:
        raise IngestError(f"the workspace's connection holds a temporary {', '.join(taken)} of a name "
                          f"{what} uses for its own and would replace or drop: rename or drop "
                          f"{'it' if len(taken) == 1 else 'them'} first (nothing was read or stored)")

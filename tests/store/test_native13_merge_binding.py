"""The merge's conflict checks cost little to bind: ``step_differs`` is given columns, never a macro call.

``step_differs`` names each field of both its arguments in each of its 18 comparisons (``same_json`` three
times more). A macro call passed to it (``as_stored(n)``, an 18-field struct) is expanded in every one of
them, and binding the statement then cost more CPU than running it on a small input: 0.16 CPU s per ingest
call, whatever its size. No timing here (speed is measured in ``bench/``): the merge's SQL is read.
"""

from __future__ import annotations

import re

from workbench.store._connection import sql_statements


def _calls(text: str, name: str) -> list[str]:
    """The argument text of every call of ``name`` in ``text`` (to its matching parenthesis)."""
    out = []
    for m in re.finditer(rf"\b{name}\(", text):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out.append(text[m.end() : i - 1])
    return out


def test_step_differs_is_given_columns_not_macro_calls() -> None:
    calls = [
        args
        for stmt in sql_statements("finalize")
        if not stmt.startswith("CREATE OR REPLACE TEMP MACRO")
        for args in _calls(stmt, "step_differs")
    ]
    assert len(calls) >= 2  # (the check within a call, and the check against the store)
    for args in calls:
        assert "(" not in args, f"step_differs({args}): compute the argument in a subquery, pass its column"

"""What the stage holds for the steps between staging and the merge (``store/sql/stage_facts.sql``).

Each of those steps (naming agent loops, hand-off targets, a model call's two spans, MCP server spans, linked
and workflow-build traces, native times in other units) first asks whether it has anything to do, and most small calls have nothing for
any: eight statements, ~1 ms of DuckDB planning each. Asked once here, in one statement built from the steps'
own tests (``_stage_checks``); a step is left out when its answer is no and no step before it changed the
stage (the answers are then the step's own).
"""

from __future__ import annotations

import duckdb

from ._call_shapes import MARKERS
from ._stage_checks import all_facts_sql, may_facts
from ._time_units import SMALL_PARAMS
from ._workflow_build import BUILD_PARAMS


class StageFacts:
    """The answers of every section of ``stage_facts.sql``; :meth:`nothing_for` is true only while they hold."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute(
            all_facts_sql(), {**BUILD_PARAMS, **SMALL_PARAMS, "markers": "|".join(MARKERS)}
        ).fetchall()
        self._held = {name: bool(n) for name, n in rows}
        self._may = may_facts()
        self._fresh = True

    def nothing_for(self, *facts: str) -> bool:
        """Whether the stage, as it was counted, holds nothing for ``facts`` (false once it changed)."""
        return self._fresh and not any(self._held[f] for f in facts)

    def answer(self, fact: str) -> bool | None:
        """``fact`` as it was counted, or None once the stage changed (the step asks for itself) or when a cheaper
        test of it said yes (``_stage_checks.may_facts``: a yes that may be its own no)."""
        if not self._fresh or (self._held[fact] and fact in self._may):
            return None
        return self._held[fact]

    def changed(self) -> None:
        """A step changed (or may have changed) the stage: from here every step asks for itself."""
        self._fresh = False

"""What the stage holds for the steps between staging and the merge (``store/sql/stage_facts.sql``).

Each of those steps (naming agent loops, hand-off targets, a model call's two spans, MCP server spans, linked
and workflow-build traces, native times in other units) first asks whether it has anything to do, and most small calls have nothing for
any: eight statements, ~1 ms of DuckDB planning each. Asked once here, in one statement; a step is left out
when its answer is no and no step before it changed the stage (the answers are then the step's own).
"""

from __future__ import annotations

import duckdb

from ..store._connection import sql_text
from ._time_units import NS_PLAUSIBLE, SOURCES
from ._workflow_build import BUILD_SPAN, RUN_SPAN


class StageFacts:
    """The answers of ``stage_facts.sql``; :meth:`nothing_for` is true only while they hold."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        rows = con.execute(sql_text("stage_facts"), {"build_span": BUILD_SPAN, "run_span": RUN_SPAN,
                                                     "sources": list(SOURCES), "small": NS_PLAUSIBLE}).fetchall()
        self._held = {name: bool(n) for name, n in rows}
        self._fresh = True

    def nothing_for(self, *facts: str) -> bool:
        """Whether the stage, as it was counted, holds nothing for ``facts`` (false once it changed)."""
        return self._fresh and not any(self._held[f] for f in facts)

    def answer(self, fact: str) -> bool | None:
        """``fact`` as it was counted, or None once the stage changed (the step asks for itself)."""
        return self._held[fact] if self._fresh else None

    def changed(self) -> None:
        """A step changed (or may have changed) the stage: from here every step asks for itself."""
        self._fresh = False

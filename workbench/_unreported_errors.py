"""Runs of unknown outcome whose steps hold errors that no detector flagged.

A tool that raised inside a run whose root span never says how it ended (Logfire's OpenAI Agents export: the
tool span in ERROR, the agent's model going on to answer with a made-up price) is no failure the store knows of,
and no detector fires when nothing gave up or repeated. ``workbench investigate`` then said "0 failed … nothing to
attribute" and nothing of the error a person reading the log would point at first: this names those runs, with
their first error, so the reader can look and label them failed.
"""

from __future__ import annotations

from typing import Any

from ._termtext import clean
from .store._outcomes import counted_as
from .store._own_connection import fetch

# Same first error as investigate's table (_investigate.py's errs): the first error span to *end*, where a
# failure began (a parent span fails after the child that raised); system spans (a framework's own) left out.
# Runs with a warning or critical finding are listed with the flagged runs already.
_SQL = f"""
    SELECT r.run_id, count(*) AS n,
           arg_min(coalesce(s.agent, '?') || ':' || s.step_id,
                   [coalesce(epoch_us(s.ended_at), 9223372036854775807), s.seq]) AS first_error,
           arg_min(coalesce(s.error, s.name, ''), [coalesce(epoch_us(s.ended_at), 9223372036854775807), s.seq])
    FROM ({counted_as(True)}) r JOIN steps s USING (run_id)
    WHERE (r.outcome IS NULL OR r.outcome NOT IN ('success', 'failure'))
      AND s.status = 'error' AND s.kind IS DISTINCT FROM 'system'
      AND NOT EXISTS (SELECT 1 FROM findings f
                      WHERE f.run_id = r.run_id AND f.severity IN ('critical', 'warning'))
    GROUP BY r.run_id
    ORDER BY min(r.started_at) NULLS LAST, r.run_id
"""


def unreported_errors(ws: Any) -> list[tuple[str, int, str, str]]:
    """Runs of unknown outcome, flagged by no detector, with steps in error: ``(run_id, error steps, first
    error as agent:step, its error text)``, earliest run first."""
    return fetch(ws.con, _SQL)


def unreported_records(ws: Any) -> list[dict[str, Any]]:
    """:func:`unreported_errors` as ``investigate --json`` gives them (log text stays data: _cli_json cleans it)."""
    return [
        {"run_id": run, "error_steps": n, "first_error": first, "error": error}
        for run, n, first, error in unreported_errors(ws)
    ]


def _cut(text: object, width: int) -> str:
    text = clean(text, newlines=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def unreported_note(ws: Any, limit: int = 3) -> str:
    """One line naming the runs :func:`unreported_errors` finds (the first ``limit``), or "" when none."""
    rows = unreported_errors(ws)
    if not rows:
        return ""
    n = len(rows)
    each = "; ".join(
        f"{_cut(run, 40)} ({k:,} error {'step' if k == 1 else 'steps'}, first {_cut(first, 60)}: "
        f'"{_cut(error, 120)}")'
        for run, k, first, error in rows[:limit]
    )
    more = f"; and {n - limit:,} more" if n > limit else ""
    return (
        f"{n:,} {'run' if n == 1 else 'runs'} of unknown outcome {'holds' if n == 1 else 'hold'} steps in "
        f"error that no detector flagged (a failure the logs may not report): {each}{more}; look at "
        f"{'it' if n == 1 else 'them'} (ws.steps(run_id)) and label {'it' if n == 1 else 'them'} failed to "
        f'attribute {"it" if n == 1 else "them"} (ws.label(run_id, outcome="failure"))'
    )

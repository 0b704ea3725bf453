"""Runs whose log-only culprit is not the agent a silent_failure finding traces the wrong answer to.

The log-only model weighs many weak signals and can name the agent of a handled tool failure while a
``silent_failure`` finding has followed the answer's made-up value back to the agent that first stated
it: direct evidence about this run. ``investigate`` shows the model's verdict as it is (its confidence
says how far to trust it) and says where the two part, so the reader looks at both agents.
"""

from __future__ import annotations

from typing import Any

from ._termtext import clean
from ._verdict_rank import VERDICT_RANK
from .store._own_connection import fetch

# The shown verdict is the one investigate's table shows (a replay verdict outranks the model's); only
# log-only ones are compared: a replay verdict is itself evidence about this run. A finding's agent is the
# value's first stater (detect/sql/silent.sql).
_VERDICTS = f"""
    SELECT run_id, arg_max(target, {VERDICT_RANK}) AS culprit,
           arg_max(method = 'blame_model', {VERDICT_RANK}) AS log_only,
           arg_max(coalesce(params->>'uncertain', 'false') = 'true',
                   {VERDICT_RANK}) AS uncertain
    FROM attributions WHERE unit = 'verdict' AND ($run IS NULL OR run_id = $run) GROUP BY run_id"""
_STATERS = """
    SELECT run_id, arg_min(agent, [CASE severity WHEN 'critical' THEN 0 ELSE 1 END, seq]) AS agent,
           arg_min(step_id, [CASE severity WHEN 'critical' THEN 0 ELSE 1 END, seq]) AS step_id,
           arg_min(detail, [CASE severity WHEN 'critical' THEN 0 ELSE 1 END, seq]) AS detail
    FROM (SELECT *, row_number() OVER () AS seq FROM findings
          WHERE detector = 'silent_failure' AND agent IS NOT NULL AND severity IN ('critical', 'warning')
            AND ($run IS NULL OR run_id = $run)) x
    GROUP BY run_id"""
_SQL = f"""
    WITH v AS ({_VERDICTS}), f AS ({_STATERS})
    SELECT v.run_id, v.culprit, v.uncertain, f.agent, f.step_id, f.detail
    FROM v JOIN f USING (run_id)
    WHERE v.log_only AND v.culprit <> '' AND v.culprit <> f.agent
    ORDER BY v.run_id
"""


def lineage_disagreements(
    ws: Any, run_id: str | None = None
) -> list[tuple[str, str, bool, str, str | None, str | None]]:
    """``(run, model culprit, model uncertain, first stater, its step, finding detail)`` for each run (or
    only ``run_id``) whose log-only culprit differs from the agent its silent_failure finding names."""
    return [tuple(r) for r in fetch(ws.con, _SQL, {"run": run_id})]


def first_stater(ws: Any, run_id: str) -> tuple[str, str | None, str | None] | None:
    """``(agent, step, finding detail)`` of the agent ``run_id``'s silent_failure finding traces the wrong
    answer to (the first stater of its value), or None: what a log-only culprit is compared with."""
    rows = fetch(ws.con, _STATERS, {"run": run_id})
    return tuple(rows[0][1:]) if rows else None


def _one_line(value: Any, width: int = 80) -> str:
    text = clean("" if value is None else value, newlines=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def lineage_note(ws: Any) -> str:
    """One line for investigate: where the log-only culprit and the silent_failure finding part (empty
    when they do not)."""
    rows = lineage_disagreements(ws)
    if not rows:
        return ""
    # Names and ids come from the logs: one line each (a newline in an agent's name would start a line of
    # its own in investigate's output, a forged one), and cut, so that one name cannot fill the screen.
    run, culprit, agent, step = (_one_line(v) for v in (rows[0][0], rows[0][1], rows[0][3], rows[0][4]))
    uncertain = rows[0][2]
    n = len(rows)
    model = f"the log-only model names {culprit}{' (uncertain)' if uncertain else ''}"
    where = f" at step {step}" if step else ""
    example = (
        f"{run}: {model}, but the silent_failure finding traces the wrong answer to {agent}, who first "
        f"stated its value{where}"
    )
    head = (
        f"{n:,} {'run' if n == 1 else 'runs'} where the culprit and the findings disagree "
        f"({example}{'' if n == 1 else '; and others'}): look at both agents; the finding follows the "
        "value the answer rests on, the model weighs the whole log"
    )
    return head

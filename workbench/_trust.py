"""How far to trust the log-only verdicts of an investigate table: a line for the user who has no replay.

A "Pricer 78% (log + silent_failure)" cell reads as a 78 % chance of being right. It is not one: no replay checked
it, the model's confidence on a system it never saw stays near one base rate per agent count, and the evidence's
weighing is not calibrated at all (README, "Log-only verdicts"). The figures below are the README's held-out ones
(``bench/protocol_blame46.md``, looks D-D4: Who&When Hand-Crafted and TRAIL GAIA's two-agent runs, neither used to
choose the rule), so that the line says what was measured, not a number of this run.
"""

from __future__ import annotations

from collections.abc import Sequence

# "sure" / "uncertain" verdicts of the model alone, right agent, on held-out systems (Hand-Crafted, TRAIL)
HELD_OUT_SURE = "49% and 58%"
HELD_OUT_UNCERTAIN = "25% and 50%"


def _is_log(cell: str) -> bool:
    return "(log" in cell


def trust_lines(culprits: Sequence[str]) -> list[str]:
    """``trust:`` lines for the culprit cells of the table shown (its own texts: ``(log)``, ``(log + error)``,
    ``uncertain``, ``(only agent)``); none when no verdict of them is log-only."""
    log = [c for c in culprits if _is_log(c)]
    if not log:
        return []
    alone = [c for c in log if "(log + " not in c and "(only agent" not in c]
    weighed = [c for c in log if "(log + " in c]
    sole = [c for c in log if "(only agent" in c and "(log + " not in c]
    n = len(log)

    def some(k: int, alone: str, every: str, one: str, many: str) -> str:  # the verdict, all, or how many
        return alone if n == 1 else every if k == n else f"{k:,} {one if k == 1 else many}"

    lines = [
        f"trust: no replay checked {'this verdict' if n == 1 else f'these {n:,} verdicts'} (log): "
        f"{'it names' if n == 1 else 'each names'} where to look first, not a proven cause."
    ]
    if alone:
        which = "its" if n == 1 else f"{len(alone):,} named by the model alone: their"
        lines.append(
            f"trust: {which} N% is no chance of being right on a system the model never saw (there it stays near "
            f"one rate per agent count); on held-out systems the model's sure verdicts named the right agent "
            f"{HELD_OUT_SURE} of the time, its uncertain ones {HELD_OUT_UNCERTAIN} (Who&When Hand-Crafted, TRAIL)."
        )
    if weighed:
        lines.append(
            f"trust: {some(len(weighed), 'it rests', 'all of them rest', 'rests', 'rest')} on the run's own "
            "evidence (log + …): the why: line says "
            "what the log shows; check it there (that N% weighs the model with the evidence and is not calibrated)."
        )
    if sole:
        lines.append(
            f"trust: {some(len(sole), 'its run has', 'their runs each have', 'run has', 'runs have')} one agent "
            "(or one that talks): no choice of agent; the step "
            "is the model's guess, its N% the step's share of the model's step scores."
        )
    lines.append(
        "trust: check a verdict with ws.steps(run_id) (the run's steps, in order) and record what you find with "
        'ws.label(run_id, agent="...", step_id="...") (the table then shows it beside the verdict).'
    )
    return lines

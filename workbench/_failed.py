"""Which runs failed for the user: the runs known to have failed, and those taken as failed.

A run whose root span says OK (or that declares success) can still have left its user with a wrong
answer or none: openai-agents' "Max turns exceeded" ends the agent in error under an OK root, and a
200-OK answer can state values no backend record supports. The ``silent_failure`` detector says so
with a critical finding; such a run, when no label says how it ended, is *taken as failed* and
attributed like a failed run. Other critical findings (a cascade, a loop, a storm, a breach) say a run
cost or wandered, not that its answer was wrong: on the simulator's 1,486 labelled successes, 97 carry
a critical cascade and none a silent_failure.
"""

from __future__ import annotations

from typing import Any

# TAKEN_SQL: runs taken as failed, run_id and why (store/sql/taken_as_failed.sql). FAILED_SQL: every
# run failed for the user, read from store/sql/run_outcomes.sql as the tuner, the policy proposal, the
# limit suggestions, the backtest and the calibration read it (with silent failures counted).
from .store._outcomes import FAILED_SQL, TAKEN_SQL
from .store._own_connection import fetch


def taken_as_failed(ws: Any) -> dict[str, str]:
    """Runs not known to have failed that a critical ``silent_failure`` finding says failed for the
    user (no label says otherwise): run id -> the finding's detail."""
    return dict(fetch(ws.con, f"SELECT * FROM ({TAKEN_SQL}) ORDER BY run_id"))


def failed_run_ids(ws: Any) -> list[str]:
    """The runs failed for the user: known failures and runs :func:`taken_as_failed`, in run order."""
    return [r for (r,) in fetch(ws.con, f"SELECT run_id FROM ({FAILED_SQL}) ORDER BY run_id")]


def taken_note(taken: dict[str, str]) -> str:
    """One line saying which runs were taken as failed and why (empty when none)."""
    if not taken:
        return ""
    n = len(taken)
    run, why = next(iter(taken.items()))
    example = f"{run}: {why}" if n == 1 else f"e.g. {run}: {why}"
    return (
        f"{n:,} {'run' if n == 1 else 'runs'} reported success but {'is' if n == 1 else 'are'} taken as failed "
        f"(SILENT*): a critical silent_failure finding says the user got a wrong answer or none ({example})"
    )

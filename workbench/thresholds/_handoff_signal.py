"""The ``handoffs`` signal of every step, as the decision core reads it at the end of the step.

``handoffs`` is the count the hand-off breaker and the ``handoff_breach`` detector keep: hand-offs in a
row that brought nothing new, up to the last turn judged (``policy/_handoffs.py``). It rests on what
each step stated, so it is not a window count in SQL: the store's steps are replayed through the same
:class:`~workbench.policy._handoffs.Handoffs` the guard uses, in the backtest's order and with its
inputs (``policy/sql/backtest_steps.sql``), so the sweep and the guard read one number.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..policy._backtest import _STEPS_SQL, live_order, runs_of
from ..policy._bounce import as_text
from ..policy._handoffs import Handoffs
from ..policy._model import Loops
from ..store._outcomes import RUN_OUTCOMES_SQL, silent_flag
from ..store._run_scope import fill_run_scope

_BATCH = 50_000


def handoff_signal(
    con: Any,
    min_value: float | None = None,
    every_run: bool = False,
    silent: bool = True,
    runs: list[str] | None = None,
) -> pd.DataFrame:
    """``run_id, seq, agent, handoffs`` of every step of the runs with a known outcome (of every run with
    ``every_run``: a review load) that carries a signal (any step with no step under it:
    signal_steps.sql's rule), read with the connection ``con``. ``silent``: whether runs taken as
    failed have a known outcome (store/sql/run_outcomes.sql); ``runs``: only these run ids (checked by the
    caller) have one (a sweep learning from some runs)."""
    silent = silent_flag(silent, "handoff_signal")
    min_value = Loops().min_value if min_value is None else min_value
    tasks = dict(
        con.execute(
            f"SELECT run_id, task FROM ({RUN_OUTCOMES_SQL}) "
            "WHERE $every_run OR outcome IN ('success', 'failure')",
            {"every_run": every_run, "silent": silent},
        ).fetchall()
    )
    # the backtest's scope table: named by its query, read only when scoped (the runs learned from)
    scoped = fill_run_scope(con, "_bt_scope", runs)
    cur = con.execute(_STEPS_SQL, {"scoped": scoped, "every_run": every_run, "silent": silent})
    run_ids: list[str] = []
    seqs: list[int] = []
    agents: list[str | None] = []
    values: list[float] = []

    def read(steps: list[tuple]) -> None:
        hand = Handoffs(min_value)
        task = tasks.get(steps[0][0])
        if task is not None:
            hand.given(task)
        # Core.before at a step's start, Core.after at its end (the signal is read then), in the backtest's order
        for i, start in live_order(steps):
            (
                run_id,
                _step,
                seq,
                agent,
                kind,
                tool,
                _args,
                *_cols,
                status,
                _c,
                _e,
                _ti,
                _to,
                _cost,
                output,
                encloses,
            ) = steps[i]
            if start:
                if agent is not None and kind != "system":
                    hand.step_of(agent)
                continue
            if output is not None:
                hand.output(kind, tool, as_text(output), status != "error")
            if not encloses:  # a step with steps under it carries no signal, whatever its kind
                run_ids.append(run_id)
                seqs.append(seq)
                agents.append(agent)
                values.append(float(hand.idle))

    for steps in runs_of(cur, _BATCH):
        read(steps)
    return pd.DataFrame(
        {
            "run_id": pd.Series(run_ids, dtype=object),
            "seq": pd.Series(seqs, dtype="int64"),
            "agent": pd.Series(agents, dtype=object),
            "handoffs": pd.Series(values, dtype=float),
        }
    )

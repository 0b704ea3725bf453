"""claims45 made the guards' ``max_runs`` strict (``guard.max_runs_of``: NaN, ``True`` and ``"high"`` were taken),
but its check is ``isinstance(max_runs, int)``: a NumPy integer (``max_runs=df["runs"].max()``, a count read from a
frame or a config loaded with NumPy) is now refused as "must be >= 1, an integer (got np.int64(5))", where the
release before took it, and where the same round's other checks (``attribution/_settings.py``'s ``n_jobs`` and
``seed``, the blame parameters) take any ``numbers.Integral``. attack46's strict xfail, fixed by params46."""

from __future__ import annotations

import numpy as np

from workbench import Guard, Policy


def test_the_guard_takes_a_numpy_integer_max_runs() -> None:
    assert Guard(Policy(), max_runs=np.int64(5)).max_runs == 5

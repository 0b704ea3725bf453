"""The log-only verdict of a run as every view gives it: the model's pick with the run's own evidence weighed in."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .._params import model_of, names_of
from . import _evidence


def logonly_verdicts(ws: Any, run_ids: str | Iterable[str] | None = None, model: Any = None) -> pd.DataFrame:
    """Culprit agent and decisive step of runs from their logs alone, as the IncidentExplorer and
    ``workbench investigate`` give them: the :class:`BlameModel`'s pick with each run's own evidence weighed in
    (an error that ended the run, the agent a silent failure's wrong value came from, a tool failure before the
    answer gave up, a closing ping-pong). One code path for all three, so a run has one answer whichever asks.

    Parameters
    ----------
    ws : Workspace
        The store (run the detectors first: a silent failure's evidence is a finding).
    run_ids : str or iterable of str, optional
        One run or several (default: every run failed for the user, silent failures taken as failed counted,
        as ``workbench investigate`` lists them).
    model : BlameModel, optional
        A fitted model (default: :meth:`BlameModel.pretrained`), or a user's own with ``predict(ws, run_ids)``.

    Returns
    -------
    pandas.DataFrame
        One row per run: :meth:`BlameModel.predict`'s columns (``agent``, ``step_id``, ``agent_confidence``,
        ``uncertain``, …) for the verdict, and ``evidence`` (its kind, or None: the model alone), ``why`` (the
        evidence in one sentence), ``model_agent`` and ``model_confidence`` (the model's own pick, which the
        evidence may have outweighed) and ``disagrees`` (the agent the verdict did not name when model and
        evidence part). Nothing is written to the store.

    Examples
    --------
    >>> import workbench as wb
    >>> ws = wb.open()
    >>> v = wb.logonly_verdicts(ws, [])
    >>> list(v.columns[:3])
    ['run_id', 'agent', 'step_id']
    """
    if model is None:
        from ._blame_model import BlameModel

        model = BlameModel.pretrained()
    model_of(model)
    if run_ids is None:
        from .._failed import failed_run_ids

        run_ids = failed_run_ids(ws)
    ids = names_of(run_ids, "run_ids")
    # (looked up on the module when called: the explorer's tests count its calls there)
    return _evidence.predict_with_evidence(model, ws, ids)

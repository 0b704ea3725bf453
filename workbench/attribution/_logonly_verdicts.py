"""The log-only verdict of a run as every view gives it: the model's pick with the run's own evidence weighed in."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .._params import model_of, names_of
from ..exceptions import InvalidParameterError
from . import _evidence


def logonly_verdicts(
    ws: Any, run_ids: str | Iterable[str] | None = None, model: Any = None, detect: str | bool | None = None
) -> pd.DataFrame:
    """Culprit agent and decisive step of runs from their logs alone, as the IncidentExplorer and
    ``workbench investigate`` give them: the :class:`BlameModel`'s pick with each run's own evidence weighed in
    (an error that ended the run, the agent a silent failure's wrong value came from, a tool failure before the
    answer gave up, a closing ping-pong). One code path for all three, so a run has one answer whichever asks.

    A run without findings gets the detectors run on it first, and what they find is *written* to ``findings``
    (the rows :func:`workbench.detect` of that run writes): a silent failure's or a ping-pong's evidence is a
    finding, and the verdict must be the one investigate stores and the explorer shows, which read them. That is
    all it writes (no attribution, no verdict); ``detect=False`` writes nothing, and the verdict reads the findings
    the store has (as on a store opened read-only, where nothing is ever written).

    Parameters
    ----------
    ws : Workspace
        The store.
    run_ids : str or iterable of str, optional
        One run or several (default: every run failed for the user, silent failures taken as failed counted,
        as ``workbench investigate`` lists them).
    model : BlameModel, optional
        A fitted model (default: :meth:`BlameModel.pretrained`), or a user's own with ``predict(ws, run_ids)``.
    detect : {"auto", True, False}, optional
        The model's ``detect`` for this call (default: the model's own, ``"auto"`` for the pretrained one: the
        detectors run on the runs that have no findings); ``False`` runs no detector and writes nothing. For a
        :class:`BlameModel` (a model without a ``detect`` parameter is an error unless this is None).

    Returns
    -------
    pandas.DataFrame
        One row per run: :meth:`BlameModel.predict`'s columns (``agent``, ``step_id``, ``agent_confidence``,
        ``uncertain``, …) for the verdict, and ``evidence`` (its kind, or None: the model alone), ``why`` (the
        evidence in one sentence), ``model_agent``, ``model_confidence`` and ``model_uncertain`` (the
        model's own pick and its own flag, which the evidence may have outweighed) and ``disagrees`` (the agent
        the verdict did not name when model and evidence part).

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
    if detect is not None:
        model = _detecting(model, detect)
    if run_ids is None:
        from .._failed import failed_run_ids

        run_ids = failed_run_ids(ws)
    ids = names_of(run_ids, "run_ids")
    # (looked up on the module when called: the explorer's tests count its calls there)
    return _evidence.predict_with_evidence(model, ws, ids)


def _detecting(model: Any, detect: Any) -> Any:
    """A shallow copy of ``model`` with its ``detect`` set (the caller's model is left as it was)."""
    if not (isinstance(detect, bool) or (isinstance(detect, str) and detect == "auto")):
        raise InvalidParameterError(
            f"logonly_verdicts: detect must be 'auto', True or False (got {detect!r})"
        )
    params = model.get_params(deep=False) if hasattr(model, "get_params") else {}
    if "detect" not in params:
        raise InvalidParameterError(
            f"logonly_verdicts: detect={detect!r} sets a BlameModel's detect, and {type(model).__name__} has no "
            "such parameter (leave detect None: the model detects as it does)"
        )
    return copy.copy(model).set_params(detect=detect)

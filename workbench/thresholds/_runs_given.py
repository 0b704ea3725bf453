"""``runs=[]`` refused with what it is, before anything is read.

Every function that learns from ``runs=`` (ids, or a ``ws.runs(...)`` frame) reads it as "only these runs'
outcomes are known". An empty list, most often a ``ws.runs(...)`` filter that matched no run, then made each
say something false of the store: the sweep "no run of this store has a known outcome", the calibration "no
step in this store has a confidence", ``what_can_be_tuned`` "the logs have no token log-probabilities" of a
store full of them. ``suggest_limits`` already refused it so; these now do alike.
"""

from __future__ import annotations

from ..exceptions import InvalidParameterError


def refuse_empty(runs: list[str] | None, where: str) -> None:
    """InvalidParameterError naming ``where`` when ``runs`` (as ``run_ids`` returned it) is an empty list."""
    if runs is not None and not runs:
        raise InvalidParameterError(
            f"{where}: runs is empty (0 run ids given; a ws.runs(...) filter that matched no run gives none): "
            "nothing to learn from; give the runs to learn from, or leave runs=None for every run"
        )

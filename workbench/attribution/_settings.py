"""The checks on :func:`~workbench.attribute`'s replay settings and named players, before any replay.

Each refusal is an :class:`~workbench.InvalidParameterError` naming the parameter and the value: left
unchecked, ``n_jobs=0`` and ``seed="abc"`` failed deep inside joblib and numpy, ``timeout=-1`` or NaN
made each replay's outcome depend on thread timing, and a misspelt player was replayed as one (the
verdict then said, sure of itself, that no agent carries blame).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from .._params import is_integer, is_number
from ..exceptions import InvalidParameterError


def check_settings(timeout: Any, n_jobs: Any, seed: Any) -> tuple[float | None, int, int | None]:
    """``(timeout, n_jobs, seed)`` as attribution uses them: an infinite timeout (or one past what a thread can
    wait) is none, numbers as Python's."""
    if timeout is not None:
        if not is_number(timeout) or not timeout > 0:
            raise InvalidParameterError(
                f"timeout must be a positive number of seconds or None (got {timeout!r})"
            )
        # (past threading.TIMEOUT_MAX, about 292 years, no thread can wait: Thread.join raised OverflowError in
        # every replay, reported as the replay's failure; it is as good as no limit, as infinity is)
        timeout = None if math.isinf(timeout) or timeout > threading.TIMEOUT_MAX else float(timeout)
    if not is_integer(n_jobs) or n_jobs == 0:
        raise InvalidParameterError(
            f"n_jobs must be a non-zero integer (1: in this thread, -1: joblib's every "
            f"worker; got {n_jobs!r})"
        )
    if seed is not None and (not is_integer(seed) or seed < 0):
        # (an int, not a numpy Generator: the seed is stored with the attribution's parameters, as JSON)
        raise InvalidParameterError(f"seed must be a non-negative integer or None (got {seed!r})")
    return timeout, int(n_jobs), None if seed is None else int(seed)


def check_players(
    players: Sequence[str] | str, known: Iterable[str | None], unit: str, run_id: str
) -> list[str]:
    """The players a caller named, each one a ``unit`` (agent name or step id) the run holds."""
    names = [players] if isinstance(players, str) else list(players)
    held = list(dict.fromkeys(k for k in known if k is not None))
    unknown = [p for p in dict.fromkeys(names) if p not in set(held)]
    shown = ", ".join(repr(h) for h in held[:20]) + (f" and {len(held) - 20} more" if len(held) > 20 else "")
    if not names:
        # (a game of no players: no values, and a verdict that said the log names no agent)
        raise InvalidParameterError(
            f"players is empty: name at least one {unit} of run {run_id!r} (its {unit}s are {shown or 'none'}), "
            f"or pass players=None to play every {unit}"
        )
    if unknown:
        raise InvalidParameterError(
            f"players {unknown!r} are not {unit}s of run {run_id!r}; its {unit}s are {shown or 'none'}"
        )
    return names

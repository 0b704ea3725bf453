"""Policies: breakers, budgets, loop limits and HITL rules; their backtest; the runtime guard's core.

This package imports no numpy, pandas or duckdb (the runtime guard uses it): the backtest and the
proposal of policies from a store live in ``_backtest`` and ``_propose``, re-exported by ``workbench``.
"""

from ..exceptions import PolicyError, PolicyViolation
from ._core import Decision
from ._model import SIGNALS, Breakers, Budgets, HitlRule, Loops, Policy, Provenance

__all__ = [
    "SIGNALS",
    "Breakers",
    "Budgets",
    "Decision",
    "HitlRule",
    "Loops",
    "Policy",
    "PolicyError",
    "PolicyViolation",
    "Provenance",
]

"""workbench: which agent, and which step, caused a multi-agent LLM run to fail — and how sure we are.

Names are imported on first use (PEP 562), so ``import workbench`` and light modules such as a runtime
guard do not pay for duckdb, pandas, scipy or scikit-learn until something needs them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it (a name mapped to its own module path is a submodule)
_LAZY: dict[str, str] = {
    "Attribution": "workbench.attribution",
    "BacktestReport": "workbench.policy._backtest",
    "BlameModel": "workbench.attribution",
    "DecisiveStep": "workbench.attribution",
    "DetectorConfig": "workbench.detect",
    "DriftMonitor": "workbench.widgets",
    "FindingsOverview": "workbench.widgets",
    "FormatError": "workbench.exceptions",
    "Guard": "workbench.guard",
    "IncidentExplorer": "workbench.widgets",
    "IngestError": "workbench.exceptions",
    "IngestReport": "workbench.ingest._driver",
    "Intervention": "workbench.replay",
    "InvalidParameterError": "workbench.exceptions",
    "LimitSuggestions": "workbench.policy._limits",
    "LimitTuner": "workbench.widgets",
    "Meets": "workbench.policy._meets",
    "Policy": "workbench.policy",
    "PolicyError": "workbench.exceptions",
    "PolicyViolation": "workbench.exceptions",
    "ReadOnlyStoreError": "workbench.exceptions",
    "ReplayError": "workbench.exceptions",
    "ReplayResult": "workbench.replay",
    "ReviewLoad": "workbench.thresholds",
    "ShapleyResult": "workbench.attribution",
    "SimulationError": "workbench.exceptions",
    "StoreError": "workbench.exceptions",
    "StoreLockedError": "workbench.exceptions",
    "TableReplay": "workbench.replay",
    "ThresholdSweep": "workbench.thresholds",
    "ThresholdTuner": "workbench.widgets",
    "Verdict": "workbench.attribution",
    "WorkbenchError": "workbench.exceptions",
    "Workspace": "workbench.workspace",
    "attribute": "workbench.attribution",
    "attribute_logonly": "workbench.attribution",
    "attribute_many": "workbench.attribution",
    "available_signals": "workbench.thresholds",
    "backtest": "workbench.policy._backtest",
    "capture": "workbench.capture",
    "confidence_calibration": "workbench.thresholds",
    "demo": "workbench.demo",
    "detect": "workbench.detect._runner",
    "drift_delay": "workbench.detect",
    "guard_spans": "workbench.guard_spans",
    "logonly_verdicts": "workbench.attribution",
    "evaluate_attribution": "workbench.attribution",
    "evaluate_detectors": "workbench.detect",
    "open": "workbench.workspace",
    "open_path": "workbench._open_path",
    "plots": "workbench.plots",
    "policy_from_findings": "workbench.policy._propose",
    "review_load": "workbench.thresholds",
    "shapley": "workbench.attribution",
    "sim": "workbench.sim",
    "suggest_limits": "workbench.policy._limits",
    "sweep_thresholds": "workbench.thresholds",
    "what_can_be_tuned": "workbench.thresholds",
}

__all__ = [
    "Attribution",
    "BacktestReport",
    "BlameModel",
    "DecisiveStep",
    "DetectorConfig",
    "DriftMonitor",
    "FindingsOverview",
    "FormatError",
    "Guard",
    "IncidentExplorer",
    "IngestError",
    "IngestReport",
    "Intervention",
    "InvalidParameterError",
    "LimitSuggestions",
    "LimitTuner",
    "Meets",
    "Policy",
    "PolicyError",
    "PolicyViolation",
    "ReadOnlyStoreError",
    "ReplayError",
    "ReplayResult",
    "ReviewLoad",
    "ShapleyResult",
    "SimulationError",
    "StoreError",
    "StoreLockedError",
    "TableReplay",
    "ThresholdSweep",
    "ThresholdTuner",
    "Verdict",
    "WorkbenchError",
    "Workspace",
    "__version__",
    "attribute",
    "attribute_logonly",
    "attribute_many",
    "available_signals",
    "backtest",
    "capture",
    "confidence_calibration",
    "demo",
    "detect",
    "drift_delay",
    "evaluate_attribution",
    "evaluate_detectors",
    "guard_spans",
    "logonly_verdicts",
    "open",
    "open_path",
    "plots",
    "policy_from_findings",
    "review_load",
    "shapley",
    "sim",
    "suggest_limits",
    "sweep_thresholds",
    "what_can_be_tuned",
]


def load_ipython_extension(ipython: object) -> None:
    """``%load_ext workbench``: adds the ``%workbench`` magic (open a file in the explorer, investigate)."""
    from ._magics import load_ipython_extension as load

    load(ipython)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module == f"workbench.{name}" else getattr(mod, name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


class _Package(types.ModuleType):
    # Importing the subpackage workbench.detect makes Python set the package attribute ``detect``
    # to that module, hiding the function wb.detect; keep the function (the public API) instead.
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


_SHADOWED = frozenset({"detect"})
sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # static checkers and IDEs see the eager imports
    from . import capture, demo, guard_spans, plots, sim
    from ._open_path import open_path
    from .attribution import (
        Attribution,
        BlameModel,
        DecisiveStep,
        ShapleyResult,
        Verdict,
        attribute,
        attribute_logonly,
        attribute_many,
        evaluate_attribution,
        logonly_verdicts,
        shapley,
    )
    from .detect import DetectorConfig, detect, drift_delay, evaluate_detectors
    from .exceptions import (
        FormatError,
        IngestError,
        InvalidParameterError,
        PolicyError,
        PolicyViolation,
        ReadOnlyStoreError,
        ReplayError,
        SimulationError,
        StoreError,
        StoreLockedError,
        WorkbenchError,
    )
    from .guard import Guard
    from .ingest._driver import IngestReport
    from .policy import Policy
    from .policy._backtest import BacktestReport, backtest
    from .policy._limits import LimitSuggestions, suggest_limits
    from .policy._meets import Meets
    from .policy._propose import policy_from_findings
    from .replay import Intervention, ReplayResult, TableReplay
    from .thresholds import (
        ReviewLoad,
        ThresholdSweep,
        available_signals,
        confidence_calibration,
        review_load,
        sweep_thresholds,
        what_can_be_tuned,
    )
    from .widgets import DriftMonitor, FindingsOverview, IncidentExplorer, LimitTuner, ThresholdTuner
    from .workspace import Workspace, open

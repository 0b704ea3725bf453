"""workbench: which agent, and which step, caused a multi-agent LLM run to fail — and how sure we are.

Names are imported on first use (PEP 562), so ``import workbench`` and light modules such as a runtime
guard do not pay for duckdb, pandas, scipy or scikit-learn until something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it (a name mapped to its own module path is a submodule)
_LAZY: dict[str, str] = {
    "Attribution": "workbench.attribution",
    "BlameModel": "workbench.attribution",
    "DecisiveStep": "workbench.attribution",
    "DetectorConfig": "workbench.detect",
    "FormatError": "workbench.exceptions",
    "IngestError": "workbench.exceptions",
    "IngestReport": "workbench.ingest._driver",
    "Intervention": "workbench.replay",
    "InvalidParameterError": "workbench.exceptions",
    "PolicyError": "workbench.exceptions",
    "ReadOnlyStoreError": "workbench.exceptions",
    "ReplayError": "workbench.exceptions",
    "ReplayResult": "workbench.replay",
    "ShapleyResult": "workbench.attribution",
    "SimulationError": "workbench.exceptions",
    "StoreError": "workbench.exceptions",
    "StoreLockedError": "workbench.exceptions",
    "TableReplay": "workbench.replay",
    "Verdict": "workbench.attribution",
    "WorkbenchError": "workbench.exceptions",
    "Workspace": "workbench.workspace",
    "attribute": "workbench.attribution",
    "attribute_many": "workbench.attribution",
    "demo": "workbench.demo",
    "detect": "workbench.detect",
    "drift_delay": "workbench.detect",
    "evaluate_attribution": "workbench.attribution",
    "evaluate_detectors": "workbench.detect",
    "open": "workbench.workspace",
    "shapley": "workbench.attribution",
    "sim": "workbench.sim",
}

__all__ = [
    "Attribution",
    "BlameModel",
    "DecisiveStep",
    "DetectorConfig",
    "FormatError",
    "IngestError",
    "IngestReport",
    "Intervention",
    "InvalidParameterError",
    "PolicyError",
    "ReadOnlyStoreError",
    "ReplayError",
    "ReplayResult",
    "ShapleyResult",
    "SimulationError",
    "StoreError",
    "StoreLockedError",
    "TableReplay",
    "Verdict",
    "WorkbenchError",
    "Workspace",
    "__version__",
    "attribute",
    "attribute_many",
    "demo",
    "detect",
    "drift_delay",
    "evaluate_attribution",
    "evaluate_detectors",
    "open",
    "shapley",
    "sim",
]


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


if TYPE_CHECKING:  # static checkers and IDEs see the eager imports
    from . import demo, sim
    from .attribution import (
        Attribution,
        BlameModel,
        DecisiveStep,
        ShapleyResult,
        Verdict,
        attribute,
        attribute_many,
        evaluate_attribution,
        shapley,
    )
    from .detect import DetectorConfig, detect, drift_delay, evaluate_detectors
    from .exceptions import (
        FormatError,
        IngestError,
        InvalidParameterError,
        PolicyError,
        ReadOnlyStoreError,
        ReplayError,
        SimulationError,
        StoreError,
        StoreLockedError,
        WorkbenchError,
    )
    from .ingest._driver import IngestReport
    from .replay import Intervention, ReplayResult, TableReplay
    from .workspace import Workspace, open

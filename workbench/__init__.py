"""workbench: which agent, and which step, caused a multi-agent LLM run to fail — and how sure we are."""

from . import demo, sim
from .attribution import (
    Attribution,
    BlameModel,
    DecisiveStep,
    ShapleyResult,
    Verdict,
    attribute,
    attribute_logonly,
    evaluate_attribution,
    shapley,
)
from .detect import DetectorConfig, detect, drift_delay, evaluate_detectors
from .exceptions import (
    FormatError,
    IngestError,
    InvalidParameterError,
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

__version__ = "0.1.0"

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
    "attribute_logonly",
    "demo",
    "detect",
    "drift_delay",
    "evaluate_attribution",
    "evaluate_detectors",
    "open",
    "shapley",
    "sim",
]

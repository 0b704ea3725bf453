"""workbench: who broke the multi-agent run, at which step, and how sure we are."""

from . import sim
from .exceptions import (
    FormatError,
    IngestError,
    ReadOnlyStoreError,
    ReplayError,
    SimulationError,
    StoreError,
    StoreLockedError,
    WorkbenchError,
)
from .ingest._driver import IngestReport
from .workspace import Workspace, open

__version__ = "0.1.0"

__all__ = [
    "FormatError",
    "IngestError",
    "IngestReport",
    "ReadOnlyStoreError",
    "ReplayError",
    "SimulationError",
    "StoreError",
    "StoreLockedError",
    "WorkbenchError",
    "Workspace",
    "__version__",
    "open",
    "sim",
]

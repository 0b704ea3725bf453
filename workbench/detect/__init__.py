"""Detectors of multi-agent failure patterns; their hits go to the ``findings`` table."""

from ._config import DetectorConfig
from ._evaluate import drift_delay, evaluate_detectors
from ._runner import DETECTORS, detect

__all__ = ["DETECTORS", "DetectorConfig", "detect", "drift_delay", "evaluate_detectors"]

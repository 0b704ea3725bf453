"""Threshold sweeps over step signals (confidence, entropy, latency, running counts) and calibration."""

from ._calibration import confidence_calibration
from ._capabilities import what_can_be_tuned
from ._review_load import REVIEW_SIGNALS, ReviewLoad, review_load
from ._sweep import available_signals, sweep_thresholds
from ._threshold_sweep import SweepPoint, ThresholdSweep

__all__ = [
    "REVIEW_SIGNALS",
    "ReviewLoad",
    "SweepPoint",
    "ThresholdSweep",
    "available_signals",
    "confidence_calibration",
    "review_load",
    "sweep_thresholds",
    "what_can_be_tuned",
]

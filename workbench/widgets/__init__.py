"""Notebook widgets over a workspace: investigate incidents, tune thresholds, watch drift.

Every widget takes a :class:`~workbench.Workspace` and draws with :mod:`workbench.plots`
(offline ``alt.JupyterChart``). Text from logs is escaped in every view; widget input reaches
DuckDB only as bound parameters.
"""

from ._drift import DriftMonitor, FindingsOverview
from ._explorer import IncidentExplorer
from ._limits import LimitTuner
from ._runs import RunFilter, RunPager, count_runs, run_page
from ._tuner import ThresholdTuner

__all__ = [
    "DriftMonitor",
    "FindingsOverview",
    "IncidentExplorer",
    "LimitTuner",
    "RunFilter",
    "RunPager",
    "ThresholdTuner",
    "count_runs",
    "run_page",
]

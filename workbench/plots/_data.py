"""Query results the charts draw, aggregated in DuckDB so a chart never carries more than a few
thousand marks, whatever the size of the store. Every value is a bound parameter."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd

from ..store._own_connection import fetch_df
from ..store._run_scope import one_run_id

if TYPE_CHECKING:
    from ..workspace import Workspace

SIGNALS = ("confidence", "entropy", "latency_ms", "tokens_in", "tokens_out", "cost", "depth")
AGENT_METRICS = ("confidence", "entropy", "latency_ms", "error_rate", "tool_calls", "failure_rate")
MAX_STEPS = 2000


@cache
def _sql(name: str) -> str:
    return resources.files("workbench.plots").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def _bins(bins: int) -> int:
    if not isinstance(bins, int) or isinstance(bins, bool) or not 1 <= bins <= 1000:
        raise ValueError(f"bins must be an integer in [1, 1000] (got {bins!r})")
    return bins


def timeline_data(
    ws: Workspace, run_id: str, max_steps: int = MAX_STEPS, around: Iterable[str] = ()
) -> pd.DataFrame:
    """The moves of ``run_id`` in order with ``flagged`` / ``built_on_fault`` / ``detectors``
    from the findings table, and ``move`` (the move's number in the run) and ``moves`` (the run's count).

    At most ``max_steps`` of them: a longer run keeps the moves around the steps named in ``around`` (a verdict's
    decisive step, the step looked at), its first error, its first flagged move and its end, then around its
    other flagged moves, then its first moves; the row after each stretch left out says how many moves it holds
    (``elided_before``) and which (``elided_from``, ``elided_since``, ``elided_seq``), and ``stretch`` numbers
    the stretches kept. (A run's first moves alone hid a failure at move 4,800 of 5,000.)"""
    from ._windows import shown_moves

    return shown_moves(run_moves(ws, run_id, "timeline_data"), int(max_steps), around)


def run_moves(ws: Workspace, run_id: str, caller: str = "run_moves") -> pd.DataFrame:
    """Every move of ``run_id``, as :func:`timeline_data` reads them (a view keeps them to pick others from)."""
    run_id = one_run_id(run_id, caller)
    # (a run id the store does not hold raises, as ws.steps does: a mistyped id drew an empty timeline)
    return ws._of_known_run(fetch_df(ws.con, _sql("timeline"), {"run_id": run_id}), run_id, caller)


def raised(steps: pd.DataFrame) -> pd.Series:
    """Which moves of a :func:`timeline_data` frame raised: status ``error``, or an error text under another status
    (a framework that records the exception and leaves the span's status unset). The one reading of every view
    that marks an error: the explorer's step list marked a move with an error text "✖ error" while the timeline,
    reading the status alone, drew no red ✕ on it."""
    if steps.empty:
        return pd.Series(dtype=bool, index=steps.index)
    status = (
        steps["status"] if "status" in steps.columns else pd.Series(None, index=steps.index, dtype=object)
    )
    text = steps["error"].map(has_text) if "error" in steps.columns else False
    return (status.fillna("") == "error") | text


def has_text(value: object) -> bool:
    """Whether a step's text (input, output, error) says anything: not missing, empty, or an empty JSON list/object."""
    return isinstance(value, str) and value.strip() not in ("", "[]", "{}", "null", '""')


def handoff_data(ws: Workspace, run_id: str, max_steps: int = MAX_STEPS) -> pd.DataFrame:
    """Hand-offs between agents of ``run_id``: source and destination agent and time."""
    run_id = one_run_id(run_id, "handoff_data")
    return ws._of_known_run(
        fetch_df(ws.con, _sql("handoffs"), {"run_id": run_id, "max_steps": int(max_steps)}),
        run_id,
        "handoff_data",
    )


def histogram_data(
    ws: Workspace,
    signal: str = "entropy",
    bins: int = 30,
    agent: str | None = None,
    all_runs: bool = False,
    silent: bool = True,
    system: str | None = None,
) -> pd.DataFrame:
    """Counts of a step signal per bin and run outcome (columns outcome, bin_start, bin_end, n), of the
    runs labelled success or failure; ``all_runs=True`` adds the others as outcome ``unknown``.
    ``silent``: runs taken as failed (silent failures) count as failed, as the threshold sweep and
    ``workbench investigate`` count them; False: the labelled/declared outcome. ``frame.attrs["counting"]``
    says which."""
    if signal not in SIGNALS:
        raise ValueError(f"signal must be one of {SIGNALS} (got {signal!r})")
    return _counted(
        ws,
        "histogram",
        {"signal": signal, "bins": _bins(bins), "agent": agent, "all_runs": bool(all_runs), "system": system},
        silent,
    )


def calibration_data(ws: Workspace, bins: int = 10, silent: bool = True) -> pd.DataFrame:
    """Mean step confidence against the success rate of those steps' runs, per confidence bin.
    ``silent``: runs taken as failed (silent failures) count as failed, as in
    :func:`workbench.confidence_calibration`; ``frame.attrs["counting"]`` says which counting."""
    return _counted(ws, "calibration", {"bins": _bins(bins)}, silent)


def agent_series(
    ws: Workspace, buckets: int = 40, silent: bool = True, system: str | None = None
) -> pd.DataFrame:
    """Per agent and time bucket: runs and the mean of every metric in ``AGENT_METRICS``. ``silent``:
    failure_rate counts runs taken as failed (silent failures) as failed, as ``workbench investigate``
    does; False: the labelled/declared outcome. ``frame.attrs["counting"]`` says which. ``system``: the runs
    of that system only (``""``: the runs with no system name); None: every run, agents of one name in several
    systems drawn as one."""
    return _counted(ws, "agent_series", {"buckets": _bins(buckets), "system": system}, silent)


def _counted(ws: Workspace, name: str, params: dict, silent: bool) -> pd.DataFrame:
    """The frame of query ``name``, which reads run outcomes from store/sql/run_outcomes.sql, with the
    counting it used in ``attrs["counting"]``."""
    from ..store._outcomes import COUNTING, silent_flag, with_run_outcomes

    silent = silent_flag(silent, name if name == "agent_series" else f"{name}_data")
    frame = fetch_df(ws.con, with_run_outcomes(_sql(name)), {**params, "silent": silent})
    frame.attrs["counting"] = COUNTING[silent]
    return frame


def detector_counts(ws: Workspace) -> pd.DataFrame:
    """Runs flagged per detector, each under the worst severity it has there, and their findings."""
    return fetch_df(ws.con, _sql("detector_counts"))


def change_points(ws: Workspace, system: str | None = None) -> pd.DataFrame:
    """The drift detector's findings as change points: agent, since (timestamp), severity, detail; of the runs
    of ``system`` only when one is given (``""``: the runs with no system name)."""
    return fetch_df(ws.con, _sql("change_points"), {"system": system})


def stored_attribution(ws: Workspace, run_id: str) -> tuple[pd.DataFrame, dict | None]:
    """The newest replay attribution stored for ``run_id`` over agents: blame per player with
    bounds (player, blame, blame_low, blame_high, method) and its verdict row's facts (culprit,
    confidence, ambiguous, decisive_step), or an empty frame and None."""
    rows = fetch_df(ws.con, _sql("stored_attribution"), [one_run_id(run_id, "stored_attribution")])
    if rows.empty:
        return rows, None
    verdict = rows[rows["unit"] == "verdict"]
    values = rows[rows["unit"] == "agent"].drop(columns=["unit", "params"]).reset_index(drop=True)
    facts = None
    if len(verdict):
        v = verdict.iloc[0]
        params = json.loads(v["params"]) if isinstance(v["params"], str) else {}
        facts = {
            "culprit": v["player"] or None,
            "confidence": float(v["blame"]),
            "ambiguous": bool(params.get("ambiguous", False)),
            "decisive_step": params.get("decisive_step"),
            "method": v["method"],
        }
    return values, facts

"""Notebook 03's per-rule tables, run by the notebook's own cell on a backtest table: a latency limit says its unit
and the savings have their thousands apart (ux47's walk: "≥ 2,630" of a review rule on latency_ms, "244068"
tokens under a "30,030" limit)."""

from __future__ import annotations

import types
from pathlib import Path

import nbformat
import pandas as pd

NB = Path(__file__).resolve().parents[2] / "notebooks" / "03_export_policy.ipynb"


def test_the_rule_tables_say_a_latencys_unit_and_part_thousands() -> None:
    [cell] = [
        c
        for c in nbformat.read(NB, as_version=4).cells
        if c.cell_type == "code" and "def limit_text" in c.source
    ]
    table = pd.DataFrame(
        {
            "rule": ["max_step_latency_ms", "max_repeats", "hitl:latency_ms>=2630@pricer", "total"],
            "limit": [30029.9, 1.0, 2630.0, float("nan")],
            "runs_cut": [4, 13, 11, 28],
            "runs_escalated": [0, 0, 105, 105],
            "failures_prevented": [2, 2, 29, 33],
            "successes_lost": [1, 3, 2, 6],
            "tool_calls_saved": [6, 24, 11, 41],
            "tokens_saved": [22386, 70689, 96777, 189852],
            "latency_saved_s": [76.1, 42.8, 33.5, 152.4],
        }
    )
    shown: list = []
    env = {
        "pd": pd,
        "held_out": types.SimpleNamespace(table=table),
        "policy": object(),
        "display": shown.append,
    }
    exec(cell.source, env)  # noqa: S102 - the repository's own notebook cell
    did, saved = shown
    assert list(did["limit"]) == ["30,030\u00a0ms", "1", "≥\u00a02,630\u00a0ms", ""], list(did["limit"])
    assert list(saved["tokens saved"]) == ["22,386", "70,689", "96,777", "189,852"], saved
    assert list(saved["latency saved (s)"]) == ["76.1", "42.8", "33.5", "152.4"], saved


def test_the_tuning_notebook_s_limits_name_the_runs_of_no_system_and_fit() -> None:
    """Notebook 02's table of limits, its own cell on three systems, one of them the runs of no system name (lab56:
    it printed ": every limit from ..." for those, a line a system over 30 systems, and its table held 616 px in a
    568 px output: the runs stopped now one column of two counts)."""
    import contextlib
    import io

    nb02 = NB.with_name("02_tune_hitl_thresholds.ipynb")
    [cell] = [
        c
        for c in nbformat.read(nb02, as_version=4).cells
        if c.cell_type == "code" and "wb.suggest_limits(ws, quantile=0.99)" in c.source
    ]
    few = "all runs (1 successful, fewer than 5: limits are where the runs went, not what normal runs need)"
    table = pd.DataFrame(
        {
            "system": ["", "", "desk", "desk", "crew", "crew"],
            "rule": ["max_depth", "max_retries"] * 3,
            "limit": [3.0, None, 2.0, 1.0, 4.0, 0.0],
            "basis": [few, few, "all runs (no outcome labels)", "all runs (no outcome labels)", few, few],
            "p50": [2.0, float("nan"), 1.0, 1.0, 3.0, 0.0],
            "p90": [3.0, float("nan"), 2.0, 1.0, 4.0, 0.0],
            "max": [3.0, float("nan"), 2.0, 1.0, 4.0, 0.0],
            "stops_failed": [1, 0, 0, 0, 2, 0],
            "stops_successful": [0, 0, 0, 0, 1, 0],
        }
    )
    limits = types.SimpleNamespace(table=table)
    env = {"pd": pd, "ws": None, "wb": types.SimpleNamespace(suggest_limits=lambda ws, quantile: limits)}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(cell.source, env)  # noqa: S102 - the repository's own notebook cell
    lines = printed.getvalue().splitlines()
    assert lines == [
        f"(no system name), crew: every limit from the peaks of {few}",
        "desk: every limit from the peaks of all runs (no outcome labels)",
    ], lines
    shown = env["shown"]
    assert list(shown["system"]) == ["(no system name)"] * 2 + ["desk"] * 2 + ["crew"] * 2
    assert list(shown["runs stopped: failed / successful"]) == [
        "1 / 0",
        "0 / 0",
        "0 / 0",
        "0 / 0",
        "2 / 1",
        "0 / 0",
    ]
    assert not {"stops_failed", "stops_successful", "basis"} & set(shown)

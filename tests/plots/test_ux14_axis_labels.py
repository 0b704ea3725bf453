"""Axis labels as Vega draws them (the SVG vl-convert renders, the same Vega as the notebook's).

The limit view's axes count runs and steps: whole numbers. Vega's ``tickMinStep: 1`` alone let half
steps through (0, 0.5, 1, 1.5 on a peak axis of two, and on a runs axis of two runs), so the tick labels
must be integers; a latency axis reads 0, 5k, 10k (not "0k"). The sweep curve's share axis left eleven
labels in 360 px, "90%100%" run together in the browser: every other one is left out."""

from __future__ import annotations

import functools
import re

import pytest

import workbench as wb
from workbench import plots


def _store(n: int) -> wb.Workspace:
    recs: list[dict] = []
    for r in range(n):
        run, calls = f"r{r:03d}", 2 + r % 6
        recs.append(
            {
                "record": "run",
                "run_id": run,
                "system": "shop",
                "outcome": "failure" if calls >= 6 else "success",
            }
        )
        recs += [
            {
                "run_id": run,
                "step_id": f"t{i:02d}",
                "agent": "finder",
                "kind": "tool",
                "tool": "search",
                "input": {"q": f"{r}-{i}"},
                "status": "ok",
                "output": f"result {i}",
            }
            for i in range(calls)
        ]
    ws = wb.open()
    ws.ingest(recs, progress=False)
    return ws


@functools.cache
def _limit_bins(runs: int) -> tuple:
    return plots.limit_bins(wb.suggest_limits(_store(runs)), "shop")


@functools.cache
def limit_view(runs: int, log: bool = False) -> tuple:
    """The limit bins and rules of a store of ``runs`` runs and their ``limit_peaks`` chart as Vega draws it (SVG),
    made once per process: this module's and test_ux15_labels_clear's checks read the same drawing (suite53: one
    store per test, each drawn again). Read only, never changed."""
    import vl_convert as vlc

    bins, rules = _limit_bins(runs)
    return bins, rules, vlc.vegalite_to_svg(plots.limit_peaks(bins, rules, log=log).to_dict())


def axis_labels(svg: str, shown: bool = False) -> list[str]:
    """The text of every axis tick label Vega drew (``shown``: only those not hidden as overlapping)."""
    groups = re.findall(r'class="mark-text role-axis-label".*?</g>', svg, re.S)
    pattern = r'<text[^>]*opacity="1"[^>]*>([^<]*)</text>' if shown else r"<text[^>]*>([^<]*)</text>"
    return [t for g in groups for t in re.findall(pattern, g)]


def test_limit_view_latency_axis_has_no_zero_k() -> None:
    import pandas as pd
    import vl_convert as vlc

    bins = pd.DataFrame(
        {
            "rule": "max_step_latency_ms",
            "outcome": "success",
            "bin_start": [0.0, 1000.0, 4000.0],
            "bin_end": [1000.0, 2000.0, 5000.0],
            "n": [5, 3, 1],
        }
    )
    rules = pd.DataFrame(
        [
            {
                "rule": "max_step_latency_ms",
                "limit": 4200.0,
                "cut": 4200.0,
                "x_max": 5000.0,
                "beyond": 0,
                "stops_failed": 0,
                "stops_successful": 1,
                "stops_unknown": 0,
                "label": "stops 1 successful",
            }
        ]
    )
    labels = axis_labels(vlc.vegalite_to_svg(plots.limit_peaks(bins, rules).to_dict()))
    assert "0" in labels and "5k" in labels and "0k" not in labels, labels


def test_sweep_curve_share_labels_do_not_run_together() -> None:
    import numpy as np
    import pandas as pd
    import vl_convert as vlc

    x = np.linspace(0, 1, 200)
    table = pd.DataFrame({"threshold": x, "escalation_rate": x, "recall": np.sqrt(x)})
    svg = vlc.vegalite_to_svg(plots.sweep_curve(table, 0.3).to_dict())
    shown = axis_labels(svg, shown=True)
    assert shown.count("100%") == 2 and shown.count("0%") == 2, shown
    assert "10%" not in shown and "90%" not in shown, shown


@pytest.mark.parametrize("runs", [3, 30])
def test_limit_view_ticks_are_whole_counts(runs: int) -> None:
    bins, rules, svg = limit_view(runs)
    assert len(rules) >= 3 and (rules["x_max"] - bins["bin_start"].min() < 3).any()  # narrow axes too
    labels = axis_labels(svg)
    assert len(labels) >= 4 * len(rules), labels
    assert all(re.fullmatch(r"-?\d+", t) for t in labels), sorted(set(labels))

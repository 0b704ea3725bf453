"""The limit view's "how far each run went" axis, as Vega lays it out (vl-convert's scenegraph).

On the step-latency panel of a 210 px cell the axis had a tick every 200 ms (one per 40 px asked for): in
JupyterLab every label was drawn and "1k 1.2k 1.4k" nearly touched (ux26's screenshot; vl-convert's own text
measure hid every other one, the browser's did not). A tick now has 60 px, so any label fits beside the next."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import plots


def _latency_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    edges = np.arange(0, 1460, 50.0)
    bins = pd.DataFrame(
        {
            "rule": "max_step_latency_ms",
            "outcome": "success",
            "bin_start": edges[:-1],
            "bin_end": edges[1:],
            "n": np.arange(len(edges) - 1) % 7 + 1,
        }
    )
    rules = pd.DataFrame(
        [
            {
                "rule": "max_step_latency_ms",
                "limit": 470.0,
                "cut": 470.0,
                "x_max": 1450.0,
                "beyond": 3,
                "stops_failed": 33,
                "stops_successful": 0,
                "stops_unknown": 0,
                "label": "stops 33 failed",
            }
        ]
    )
    return bins, rules


def _axis_labels(node: object, out: list) -> list:
    if isinstance(node, dict):
        if node.get("role") == "axis-label":
            out.append(
                [(i["text"], float(i.get("x", 0)), float(i.get("y", 0))) for i in node.get("items", [])]
            )
        for v in node.values():
            _axis_labels(v, out)
    elif isinstance(node, list):
        for v in node:
            _axis_labels(v, out)
    return out


def test_how_far_axis_leaves_room_for_every_label() -> None:
    import vl_convert as vlc

    groups = _axis_labels(vlc.vegalite_to_scenegraph(plots.limit_peaks(*_latency_panel()).to_dict()), [])
    # the horizontal axis: its labels share one y
    [xs] = [g for g in groups if len({y for _, _, y in g}) == 1 and len({x for _, x, _ in g}) > 1]
    texts = [t for t, _, _ in xs]
    assert "1k" in texts, texts
    gaps = np.diff(sorted(x for _, x, _ in xs))
    # every tick (shown or not: the browser measures text its own way) has room for "1.5k" (~24 px) and a gap
    assert gaps.min() >= 45, (texts, gaps)

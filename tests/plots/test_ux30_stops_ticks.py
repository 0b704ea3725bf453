"""The LimitTuner's "runs each limit stops" axis, as Vega lays it out (vl-convert's scenegraph).

With one or two runs stopped (a small store, a strict quantile: the simulator's seed 11 at p99) the axis read
"0 1 1" and "0 1 1 2 2": d3 put ticks at halves and the whole-number format rounded them onto their neighbours."""

from __future__ import annotations

import pandas as pd
import pytest
from test_ux27_peaks_x_ticks import _axis_labels

from workbench import plots


@pytest.mark.parametrize("most", [1, 2, 3, 40])
def test_stops_axis_labels_each_count_once(most: int) -> None:
    import vl_convert as vlc

    table = pd.DataFrame(
        {
            "rule": ["max_depth", "max_handoffs", "max_pingpong"],
            "limit": [2, 2, 1],
            "stops_failed": [0, most, 1],
            "stops_successful": [0, 0, 0],
            "stops_unknown": [0, 0, 0],
        }
    )
    groups = _axis_labels(vlc.vegalite_to_scenegraph(plots.limit_stops(table).to_dict()), [])
    [x] = [[t for t, _, _ in g] for g in groups if not any(t.startswith("max_") for t, _, _ in g)]
    assert len(x) == len(set(x)) >= 2, x  # no count twice
    assert x[0] == "0" and int(x[-1]) == most, x  # from none to the most any limit stops
    assert all(t.isdigit() for t in x), x

"""The limit view's logarithmic runs axis, as Vega draws it (vl-convert's SVG: the notebook's Vega).

On a symlog axis Vega placed its linear ticks (0, 5k, 10k, 15k): all but 0 crowded at the top and were
dropped as overlapping, so a panel of 4,000 runs read "0" and "15k" only and a bar of 2 runs could not be
told from one of 300 (seen in notebook 03's LimitTuner, ux26). The axis labels powers of ten instead.
The runs-stopped bars count whole runs too."""

from __future__ import annotations

import re

import pandas as pd
from test_ux14_axis_labels import axis_labels

import workbench as wb
from workbench import plots


def _panels() -> tuple[pd.DataFrame, pd.DataFrame]:
    bins = pd.DataFrame(
        {
            "rule": ["calls"] * 4 + ["depth"] * 2,
            "outcome": "success",
            "bin_start": [0.0, 1, 2, 3, 0, 1],
            "bin_end": [1.0, 2, 3, 4, 1, 2],
            "n": [4000, 300, 20, 2, 30, 3],
        }
    )
    rules = pd.DataFrame(
        [
            {
                "rule": r,
                "limit": cut,
                "cut": cut,
                "x_max": top,
                "beyond": 0,
                "stops_failed": 0,
                "stops_successful": 22,
                "stops_unknown": 0,
                "label": "stops 22 successful",
            }
            for r, cut, top in (("calls", 2.5, 4.0), ("depth", 1.5, 2.0))
        ]
    )
    return bins, rules


def _y_labels(svg: str) -> list[list[str]]:
    """The shown labels of each runs axis (the vertical ones: every label of the group at one x)."""
    out = []
    for group in re.findall(r'class="mark-text role-axis-label".*?</g>', svg, re.S):
        xs = set(re.findall(r'<text[^>]*transform="translate\(([-\d.]+),', group))
        if len(xs) == 1:
            out.append(re.findall(r'<text[^>]*opacity="1"[^>]*>([^<]*)</text>', group))
    return out


def test_log_runs_axis_reads_in_powers_of_ten() -> None:
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(plots.limit_peaks(*_panels(), log=True).to_dict())
    tall, short = _y_labels(svg)
    # the 4,000-run panel: every decade between (1 may give way to 0 right under it), no label past the axis
    assert {"10", "100", "1k"} <= set(tall) and len(tall) >= 4, tall
    assert all(t in {"0", "1", "10", "100", "1k", "10k"} for t in tall), tall
    # a panel of 30 runs ends its labels at its own axis: 100 and above would be drawn above the panel
    assert "10" in short and not {"100", "1k", "10k"} & set(short), short


def test_linear_runs_axis_keeps_its_own_ticks() -> None:
    import vl_convert as vlc

    labels = axis_labels(vlc.vegalite_to_svg(plots.limit_peaks(*_panels(), log=False).to_dict()), shown=True)
    assert "10k" not in labels and any(t.endswith("k") and t != "1k" for t in labels), labels


def test_limit_tuner_log_axis_on_a_store(tmp_path) -> None:  # noqa: ANN001
    import vl_convert as vlc

    from workbench.widgets import LimitTuner

    records: list[dict] = []
    for r in range(400):  # many short runs, a thin tail of long ones: the tuner goes logarithmic by itself
        run, calls = f"r{r:03d}", 12 if r % 100 == 0 else 1 + r % 2
        records.append(
            {
                "record": "run",
                "run_id": run,
                "system": "shop",
                "outcome": "failure" if calls > 5 else "success",
            }
        )
        records += [
            {
                "run_id": run,
                "step_id": f"t{i:02d}",
                "agent": "finder",
                "kind": "tool",
                "tool": "search",
                "input": {"q": f"{r}-{i}"},
                "status": "ok",
            }
            for i in range(calls)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    tu = LimitTuner(ws, quantile=0.9)
    assert tu.log_scale
    axes = [a for a in _y_labels(vlc.vegalite_to_svg(tu.peaks_chart.chart.to_dict())) if a]
    assert axes and all({"1", "10", "100"} & set(a) and len(a) >= 3 for a in axes), axes


def test_runs_stopped_axis_counts_whole_runs() -> None:
    """One run stopped (the Who&When samples' only max_repeats cut) drew a runs axis of 0.0, 0.1 ... 1.0."""
    import vl_convert as vlc

    table = pd.DataFrame(
        [
            {"rule": r, "limit": 3.0, "stops_failed": n, "stops_successful": 0, "stops_unknown": 0}
            for r, n in (("max_repeats", 1), ("max_retries", 0))
        ]
    )
    labels = axis_labels(vlc.vegalite_to_svg(plots.limit_stops(table).to_dict()))
    numbers = [t for t in labels if re.fullmatch(r"[-\d.,]+", t)]
    assert numbers and all(re.fullmatch(r"\d+", t) for t in numbers), labels

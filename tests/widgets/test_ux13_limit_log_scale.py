"""The limit view's runs axis turns logarithmic when the runs a limit stops would be too thin to see on a
linear one (the p99 tail: a few runs against hundreds), and a toggle sets it by hand."""

from __future__ import annotations

import json
from itertools import groupby

import workbench as wb
from workbench import plots
from workbench.widgets import LimitTuner


def _store(n: int = 300, tail: int = 2) -> wb.Workspace:
    """``n`` runs of 2..4 tool calls, and ``tail`` runs of 14 (the thin tail a p99 limit stops)."""
    records: list[dict] = []
    for r in range(n + tail):
        run = f"r{r:03d}"
        calls = 14 if r >= n else 2 + r % 3
        records.append(
            {"record": "run", "run_id": run, "system": "shop", "outcome": "failure" if r >= n else "success"}
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
                "output": f"result {i}",
            }
            for i in range(calls)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _y_scales(chart) -> list:  # noqa: ANN001
    spec = chart.to_dict()
    layers = spec["spec"]["layer"]
    return [
        layer["encoding"]["y"].get("scale")
        for layer in layers
        if "y" in layer.get("encoding", {}) and layer["encoding"]["y"].get("field") == "y1"
    ]


def test_a_thin_tail_turns_the_runs_axis_logarithmic() -> None:
    ws = _store()
    tu = LimitTuner(ws, quantile=0.99)
    bins, rules = plots.limit_bins(tu.limits, "shop")
    calls = rules.set_index("rule").loc["max_tool_calls_run"]
    assert calls["stops_failed"] == 2 and calls["stops_successful"] == 0
    # 2 runs past the limit against 100 per bar: under a pixel on a 120 px linear axis
    assert plots.thin_tail(bins, rules)
    assert tu.scale.value == "auto" and tu.log_scale
    assert _y_scales(tu.peaks_chart.chart) == [{"type": "symlog"}]
    assert "too thin to see" in tu.readout.value
    tu.scale.value = "linear"
    assert not tu.log_scale and _y_scales(tu.peaks_chart.chart) == [None]
    tu.scale.value = "log"
    assert tu.log_scale and _y_scales(tu.peaks_chart.chart) == [{"type": "symlog"}]


def test_bars_stay_stacked_and_count_every_run() -> None:
    ws = _store(n=60, tail=20)
    limits = wb.suggest_limits(ws, quantile=0.75)
    bins, rules = plots.limit_bins(limits, "shop")
    spec = plots.limit_peaks(bins, rules, log=True).to_dict()
    rows = [r for data in spec["datasets"].values() for r in data if r.get("layer") == "bar"]

    def key(r: dict) -> tuple:
        return r["rule"], r["bin_start"]

    for (rule, start), group in groupby(sorted(rows, key=key), key=key):
        part = list(group)
        tops = sorted((r["y0"], r["y1"]) for r in part)
        assert tops[0][0] == 0 and all(a[1] == b[0] for a, b in zip(tops, tops[1:], strict=False)), (
            rule,
            start,
        )
        assert tops[-1][1] == sum(r["n"] for r in part)
    assert sum(r["n"] for r in rows if r["rule"] == "max_tool_calls_run") == 80
    assert "runs (log scale)" in json.dumps(spec)


def test_an_even_spread_stays_linear() -> None:
    ws = _store(n=30, tail=10)
    tu = LimitTuner(ws, quantile=0.75)
    assert not tu.log_scale and "wb-limits-logscale" not in tu.readout.value

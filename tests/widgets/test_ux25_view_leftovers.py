"""ux24's view leftovers: legends list only the outcomes a store has; the tuner's readout shows the slider's own
number; the limits table shows counts as whole numbers; the explorer says plainly why a run has nothing to
attribute; the capabilities note reads for an SRE; the explorer's log-only verdict is computed once per run."""

from __future__ import annotations

import re
import warnings

import pytest

import workbench as wb
from workbench.widgets import LimitTuner, ThresholdTuner


def _store(outcomes: list[str], calls: int = 3) -> wb.Workspace:
    """Runs of one system with fractional latencies (166.308 ms and the like) and 1..calls tool calls each."""
    records: list[dict] = []
    for r, outcome in enumerate(outcomes):
        run = f"r{r}"
        records.append({"record": "run", "run_id": run, "system": "s", "outcome": outcome})
        for i in range(1 + r % calls):
            records.append({"run_id": run, "step_id": f"s{i}", "agent": "a", "kind": "tool", "name": "search",
                            "tool": "search", "input": f"q{r}-{i}", "latency_ms": 100.0 + 33.2617 * r + 7.31 * i})
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _color_domains(spec: object) -> list[list[str]]:
    found: list[list[str]] = []

    def walk(x: object) -> None:
        if isinstance(x, dict):
            color = x.get("color")
            if isinstance(color, dict) and isinstance(color.get("scale"), dict) and "domain" in color["scale"]:
                found.append(color["scale"]["domain"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(spec)
    return found


def _quiet(make):  # noqa: ANN001, ANN202
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make()


def _shown_threshold(readout: str) -> str:
    return re.search(r"[≥≤] ([-\d,.]+)", readout).group(1)


@pytest.mark.parametrize("outcomes", [["success", "failure"] * 5, ["unknown"] * 6])
def test_tuner_readout_shows_the_sliders_number(outcomes: list[str]) -> None:
    ws = _store(outcomes)
    tu = _quiet(lambda: ThresholdTuner(ws, signal="latency_ms"))
    slider = tu.threshold
    lo, hi, step = slider.min, slider.max, slider.step
    for value in (slider.value, lo + 37 * step, lo + 101 * step, hi - 3 * step):
        slider.value = value
        shown = format(slider.value, slider.readout_format)
        assert _shown_threshold(tu.readout.value) == shown, (tu.readout.value, shown)
        # the number shown is the threshold itself, not a rounding of it
        assert float(shown.replace(",", "")) == pytest.approx(slider.value, abs=1e-9)
    ws.close()


def test_legends_list_only_the_outcomes_the_store_has() -> None:
    ws = _store(["unknown"] * 6)     # a raw trace export: no run has an outcome (the Langfuse samples)
    tu = _quiet(lambda: ThresholdTuner(ws, signal="latency_ms"))
    hist = tu.review.hist_chart.chart.to_dict()
    assert _color_domains(hist) == [["unknown"]]
    lt = _quiet(lambda: LimitTuner(ws, min_runs=1))
    assert {tuple(d) for d in _color_domains(lt.peaks_chart.chart.to_dict())} == {("unknown",)}
    ws.close()
    ws = _store(["failure"] * 6)     # an incident export: failed runs only (Who&When)
    tu = _quiet(lambda: ThresholdTuner(ws, signal="latency_ms"))
    assert _color_domains(tu.hist_chart.chart.to_dict()) == [["failure"]]
    lt = _quiet(lambda: LimitTuner(ws, min_runs=1, quantile=0.5))
    assert {tuple(d) for d in _color_domains(lt.peaks_chart.chart.to_dict())} == {("failure",)}
    stops = lt.stops_chart.chart.to_dict()
    assert {tuple(d) for d in _color_domains(stops)} == {("failure",)}
    assert "successful" not in str(stops["title"]) and "failed (red)" in str(stops["title"])
    ws.close()
    ws = _store(["success", "failure"] * 4)   # both: both listed, the failures' red first as before
    tu = _quiet(lambda: ThresholdTuner(ws, signal="latency_ms"))
    assert _color_domains(tu.hist_chart.chart.to_dict()) == [["success", "failure"]]
    ws.close()


def test_limits_table_shows_counts_as_whole_numbers() -> None:
    ws = _store(["success"] * 10, calls=4)    # 1, 2, 3, 4, 1, 2, ... tool calls: an interpolated p90 is 3.1
    lt = _quiet(lambda: LimitTuner(ws, min_runs=1))
    row = lt.limits.table.set_index("rule").loc["max_tool_calls_run"]
    assert float(row["p90"]).is_integer() and float(row["p50"]).is_integer()
    # the peak of a real run at that rank (numpy's "higher"), as the limit's own quantile is
    assert (row["p50"], row["p90"]) == (2.0, 4.0)
    cells = re.search(r"<td>max_tool_calls_run</td>(.*?)</tr>", lt.table.value, re.S).group(1)
    assert not re.search(r"<td>\d+\.\d+</td>", cells), cells
    # a measured rule keeps its fractions
    assert not float(lt.limits.table.set_index("rule").loc["max_step_latency_ms", "p90"]).is_integer()
    ws.close()

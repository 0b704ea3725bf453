"""Numbers the widgets write in sentences read as numbers: the drift findings listed under the drift chart
said "latency_ms mean 2.73e+03 → 4.46e+03 (p=3.4e-152)", the tuner's readout of per-agent latency
thresholds "executor 2.8e+03"."""

from __future__ import annotations

import re

import workbench as wb
from workbench._plain import p_value, plain
from workbench.widgets import DriftMonitor, ThresholdTuner

E_NOTATION = re.compile(r"\d(?:\.\d+)?e[-+]?\d", re.I)


def test_drift_findings_in_plain_numbers(ws: wb.Workspace) -> None:
    text = DriftMonitor(ws, metric="latency_ms", buckets=12).summary.value
    assert "latency_ms mean" in text, text  # the store drifts in latency (drift_at=60)
    assert not E_NOTATION.search(text), E_NOTATION.findall(text)
    means = re.findall(r"latency_ms mean ([\d,.]+) → ([\d,.]+)", text)
    assert means and all("," in a and "," in b for a, b in means), means  # thousands of ms, separated
    assert re.search(r"\(p (?:&lt;|=) 0\.\d{3}\)", text)  # escaped in the HTML


def test_tuner_readout_per_agent_latency_in_plain_numbers(ws: wb.Workspace) -> None:
    tu = ThresholdTuner(ws, signal="latency_ms")
    tu.per_agent.value = True
    assert tu.agent_sliders.children, "no per-agent sliders"
    for slider in tu.agent_sliders.children:  # the slowest steps: thousands of ms
        slider.value = slider.max - slider.step  # (ux39: the slider's max is "no rule", past every value)
    assert min(tu.current_threshold().values()) >= 1000, tu.current_threshold()
    tu.move()
    at = re.search(r"At latency_ms ≥ (.*?):", tu.readout.value).group(1)
    assert not E_NOTATION.search(at), at
    assert re.search(r"\d,\d{3}", at), at


def test_plain_and_p_value() -> None:
    assert [plain(v) for v in (2730.4, 4460.0, 0.391, 1.09, 0.000123, 45213.7, 0.0)] == [
        "2,730",
        "4,460",
        "0.391",
        "1.09",
        "0.000123",
        "45,214",
        "0",
    ]
    assert p_value(3.4e-152) == "p < 0.001" and p_value(0.0042) == "p = 0.004"

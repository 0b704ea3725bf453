"""The ThresholdTuner's review budget says its unit on screen.

"max review 0" (ux26: the tuner on the Who&When samples and in notebook 02's per-agent walk) read as
"review nothing": 0 means no limit, said only in the box's tooltip; "0.1" did not say it is a share of the
runs. A label beside the box says it in words, and follows the box."""

from __future__ import annotations

import ipywidgets as w

import workbench as wb
from workbench.widgets import ThresholdTuner


def _shown(widget: w.Widget) -> list[str]:
    """Every text a person sees in the widget tree: labels, HTML, descriptions (no tooltips)."""
    out = [
        str(getattr(widget, a))
        for a in ("description", "value")
        if isinstance(widget, w.Label | w.HTML | w.Button) and getattr(widget, a, None)
    ]
    for child in getattr(widget, "children", ()):
        out += _shown(child)
    return out


def _store() -> wb.Workspace:
    records: list[dict] = []
    for r in range(20):
        records.append(
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "s",
                "outcome": "failure" if r % 4 == 0 else "success",
            }
        )
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "tool",
                "tool": "t",
                "latency_ms": 100.0 + 50 * (r % 5) + i,
            }
            for i in range(2)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_budget_says_its_unit() -> None:
    tu = ThresholdTuner(_store(), signal="latency_ms")
    assert tu.budget.value == 0 and any("no limit on the runs sent to a human" in t for t in _shown(tu)), (
        _shown(tu)
    )
    tu.budget.value = 0.25
    assert any("at most 25% of runs sent to a human" in t for t in _shown(tu)), _shown(tu)
    assert tu.sweep.budget == 0.25

"""The timeline's legend lists the kinds of move it draws, each in its fixed colour.

On the Who&When samples (agent turns and tool runs) the legend listed eight kinds, llm, handoff, human,
retriever, chain and other among them, beside two drawn (ux26's screenshot of the explorer); the LimitTuner's
outcome legend was fixed the same way (ux25)."""

from __future__ import annotations

import re

import workbench as wb
from workbench import plots
from workbench.plots._charts import KIND_COLORS


def _legend(svg: str) -> list[str]:
    return re.findall(
        r"<text[^>]*>([^<]*)</text>",
        "".join(re.findall(r'class="mark-text role-legend-label".*?</g>', svg, re.S)),
    )


def _chat() -> wb.Workspace:
    ws = wb.open()
    ws.ingest(
        [{"record": "run", "run_id": "c1", "system": "chat", "outcome": "failure"}]
        + [
            {
                "run_id": "c1",
                "step_id": f"t{i}",
                "agent": "Coder" if i % 2 else "Planner",
                "kind": "tool" if i % 3 == 2 else "agent",
                "output": f"turn {i}",
            }
            for i in range(7)
        ],
        progress=False,
    )
    return ws


def test_legend_lists_the_kinds_drawn() -> None:
    import vl_convert as vlc

    ws = _chat()
    steps = plots.timeline_data(ws, "c1")
    steps.loc[steps.index[-1], "kind"] = "embedding"  # a kind the palette does not know (a framework's own)
    chart = plots.timeline(steps, plots.handoff_data(ws, "c1"), title="c1")
    spec = chart.to_dict()
    scale = next(
        s
        for s in re.findall(r"'scale': (\{'domain': \[[^]]*\], 'range': \[[^]]*\]\})", str(spec))
        if "'agent'" in s
    )
    legend = _legend(vlc.vegalite_to_svg(spec))
    assert legend[:3] == ["tool", "agent", "embedding"] and "llm" not in legend and "human" not in legend, (
        legend
    )
    # each known kind keeps its colour; an unknown one is drawn as "other" is
    assert f"'{KIND_COLORS['agent']}'" in scale and f"'{KIND_COLORS['tool']}'" in scale, scale
    assert scale.count(f"'{KIND_COLORS['other']}'") == 1, scale


def test_empty_timeline_keeps_the_whole_legend() -> None:
    import pandas as pd

    empty = pd.DataFrame(
        columns=["step_id", "agent", "kind", "started_at", "ended_at", "flagged", "built_on_fault"]
    )
    assert str(list(KIND_COLORS)) in str(plots.timeline(empty, title="(no run)").to_dict())

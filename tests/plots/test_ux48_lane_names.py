"""A container-wide timeline's lane names (ux48): the y axis's room is 110 px (one width with the signals chart under
it, so the two line up), and an axis label was cut there with "…" and no tooltip: real frameworks' agents
(``agents.research.web_searcher_v2``) read "agents.research.web_…", two agents of one prefix alike. The names are
text marks in that room now, on two lines where one does not hold them, the whole name in the tooltip; drawn and
hovered in JupyterLab by tests/browser/_ux48_lab.py."""

from __future__ import annotations

import pandas as pd

from workbench import plots
from workbench.plots._lanes import LANE_LINE_CHARS, lane_name

LONG = "agents.research.web_searcher_v2"


def test_a_long_name_goes_on_two_lines_its_end_kept() -> None:
    assert lane_name("planner") == "planner"
    assert lane_name(LONG) == "agents.research.\nweb_searcher_v2"
    assert lane_name("Senior Research Analyst") == "Senior Research\nAnalyst"
    assert lane_name("InformationVerificationExpert") == "Information\nVerificationExpert"
    # longer than two lines: the second keeps the end (what tells two agents apart), cut at its head
    two = lane_name("agents.research.web_searcher_v2_with_more_suffix")
    assert two.split("\n")[1].startswith("…") and two.endswith("with_more_suffix")
    assert all(len(line) <= LANE_LINE_CHARS for line in two.split("\n"))
    assert lane_name("x" * 40).count("\n") == 1  # no separator: cut where the line ends


def test_the_lanes_draw_their_names_with_the_whole_name_in_the_tooltip() -> None:
    t = pd.Timestamp("2026-01-01 10:00:00")
    steps = pd.DataFrame(
        {
            "step_id": ["s0", "s1"],
            "agent": [LONG, "planner"],
            "kind": ["llm", "tool"],
            "started_at": [t, t + pd.Timedelta(seconds=3)],
            "ended_at": [t + pd.Timedelta(seconds=2), t + pd.Timedelta(seconds=5)],
            "flagged": [False, False],
            "built_on_fault": [False, False],
        }
    )
    lanes, _ = plots.timeline_parts(steps, width="container")
    spec = lanes.to_dict()
    names = [
        layer
        for layer in spec["layer"]
        if layer["mark"].get("type") == "text" and layer["mark"].get("lineBreak")
    ]
    assert len(names) == 1, spec["layer"]
    values = spec["datasets"][names[0]["data"]["name"]]
    assert values == [
        {"agent": LONG, "lane_name": "agents.research.\nweb_searcher_v2"},
        {"agent": "planner", "lane_name": "planner"},
    ]
    assert names[0]["encoding"]["tooltip"] == [{"field": "agent", "title": "agent", "type": "nominal"}]
    # the axis keeps its room (the signals chart's is the same) and leaves the names to the marks
    axis = spec["layer"][0]["encoding"]["y"]["axis"]
    assert (axis["labels"], axis["minExtent"], axis["maxExtent"]) == (False, 110, 110)

"""ux46: the explorer after a filter change opens by the rule it opens by at first; its build pays neither altair's
schema check of the package's own charts nor a second scoring of a run another explorer of the store scored."""

from __future__ import annotations

import re
from unittest import mock

import altair as alt
import pandas as pd
import pytest

import workbench as wb
from workbench.widgets import IncidentExplorer


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def desk() -> wb.Workspace:
    """r0 (unknown outcome) loops: a critical finding; r1 failed; r2, of unknown outcome too, is the newest and
    plain. The list under outcome=unknown starts with r2; the rule opens on r0."""
    records = []
    for r, outcome in enumerate(["unknown", "failure", "unknown"]):
        records.append({"record": "run", "run_id": f"r{r}", "system": "desk", "outcome": outcome})
        for i in range(6 if r == 0 else 2):
            at = f"2026-03-01T10:{r:02d}:{i:02d}"
            records.append(
                {
                    "run_id": f"r{r}",
                    "step_id": f"t{i}",
                    "kind": "tool",
                    "tool": "search",
                    "agent": "finder" if i % 2 == 0 else "writer",
                    "status": "ok",
                    "input": {"q": "same" if r == 0 else f"{r}-{i}"},
                    "output": f"result {i} of r{r}",
                    "started_at": f"{at}Z",
                    "ended_at": f"{at}.5Z",
                }
            )
    ws = wb.open()
    ws.ingest(records, progress=False)
    wb.detect(ws, detectors=["loop"], progress=False)
    return ws


def test_a_filter_change_opens_on_the_runs_rule_and_says_why(desk: wb.Workspace) -> None:
    ex = IncidentExplorer(desk, blame_model=None)
    assert ex.run_id == "r1" and _text(ex.opened.value).startswith("Opened on the most recent failed run")
    ex.outcome.value = "unknown"
    # the list's first run is r2; the rule (no failed run listed: the most serious finding) names r0
    assert [v for _, v in ex.runs.options] == ["r2", "r0"]
    assert (ex.run_id, ex.runs.value) == ("r0", "r0"), ex.run_id
    said = _text(ex.opened.value)
    assert said.startswith("Opened on the run with the most serious finding (loop, "), said
    assert ex.opened.layout.display is None
    ex.show_run("r2")  # the reader's own pick: the line was about the run opened on
    assert ex.opened.layout.display == "none"
    ex.outcome.value = ""  # back to every run: the failed one again, said again
    assert ex.run_id == "r1" and _text(ex.opened.value).startswith("Opened on the most recent failed run")


def test_the_explorers_charts_skip_the_schema_check_and_a_kept_verdict_is_shared(desk: wb.Workspace) -> None:
    checked: list[str] = []
    real = alt.utils.schemapi.SchemaBase.validate.__func__

    def counting(cls, instance, schema=None):  # noqa: ANN001, ANN202
        if issubclass(cls, alt.TopLevelMixin):  # a whole chart's spec (to_dict's check), not a channel's
            checked.append(cls.__name__)
        return real(cls, instance, schema)

    class Fixed:
        """A user's own model (``predict(ws, run_ids)``): the pretrained one's first scoring in a process costs ~2 s."""

        def __init__(self) -> None:
            self.asked: list[list[str]] = []

        def predict(self, ws: wb.Workspace, run_ids: list[str]) -> pd.DataFrame:
            self.asked.append(list(run_ids))
            return pd.DataFrame(
                {"run_id": run_ids, "agent": "writer", "step_id": "t1", "agent_confidence": 0.9}
            )

    model = Fixed()
    with mock.patch.object(alt.utils.schemapi.SchemaBase, "validate", classmethod(counting)):
        first = IncidentExplorer(desk, blame_model=model)  # opens on r1, failed: the model scores it
        again = IncidentExplorer(
            desk, blame_model=model
        )  # the same store, run and model: its verdict is kept
    assert model.asked == [["r1"]], model.asked
    assert _text(again.verdict.value) == _text(first.verdict.value)
    assert "Log-only BlameModel: writer at step t1" in _text(again.verdict.value), _text(again.verdict.value)
    assert checked == [], checked
    # a chart of the user's own is checked as altair checks it; the package's own drawn unchanged
    from workbench.plots._render import unchecked

    chart = alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q")
    spec = chart.to_dict()
    assert unchecked(chart).to_dict() == spec
    assert "to_dict" in vars(chart) and "to_dict" not in vars(
        chart.properties(width=100)
    )  # a copy validates again
    # frozen (the explorer's "(no run)" chart): the spec made once, each caller given a copy of its own
    frozen = unchecked(alt.Chart(alt.Data(values=[{"a": 1}])).mark_point().encode(x="a:Q"), frozen=True)
    one, two = frozen.to_dict(), frozen.to_dict()
    assert one == two == spec and one is not two, (one, two)
    one["mark"] = "bar"
    assert frozen.to_dict() == spec, "a caller's change to its copy reached the frozen spec"
    assert frozen.to_dict(format="vega-lite") == spec  # other arguments: made again, unchecked


def test_the_packages_charts_give_altair_channel_objects_the_same_spec(desk: wb.Workspace) -> None:
    from altair.utils import schemapi

    from workbench import plots
    from workbench.plots._channels import channels

    pick = alt.selection_point(name="step", fields=["a"], on="click", empty=False)
    given = {
        "x": "a:Q",
        "x2": "b:Q",
        "y": alt.Y("c:N"),
        "detail": "c:N",
        "text": alt.value("here"),
        "opacity": alt.condition("datum.a", alt.value(0.4), alt.value(1.0)),
        "strokeWidth": alt.condition(pick, alt.value(4), alt.value(2)),
        "tooltip": ["a:Q", alt.Tooltip("b:Q", format=",.0f"), "c:N"],
    }
    data = alt.Data(values=[{"a": 1, "b": 2, "c": "x"}])
    assert (
        alt.Chart(data).mark_bar().encode(**channels(**given)).add_params(pick).to_dict()
        == alt.Chart(data).mark_bar().encode(**given).add_params(pick).to_dict()
    )
    # a timeline and a blame chart built without altair's schema-wide lookup of a channel's class (a shorthand
    # string or a condition given to encode: ~2.4 CPU ms each, some thirty a timeline)
    steps, handoffs = plots.timeline_data(desk, "r0"), plots.handoff_data(desk, "r0")
    built: list[int] = []
    real = schemapi._FromDict.__init__

    def counting(self, *args):  # noqa: ANN001, ANN202
        built.append(1)
        real(self, *args)

    with mock.patch.object(schemapi._FromDict, "__init__", counting):
        plots.timeline_parts(steps, handoffs, decisive_step="t1", title="r0", width="container")
        plots.blame_bars(pd.DataFrame({"player": ["finder", "writer"], "blame": [0.8, 0.2]}))
    assert built == []

"""The views on stores a user really starts with: raw production traces (OTLP, every root span's status
unset, so no run has a known outcome) and an empty store. Each view shows what can be shown and says in
plain words what is missing, instead of raising."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.widgets import DriftMonitor, FindingsOverview, IncidentExplorer, LimitTuner, ThresholdTuner

T0 = 1_796_131_000_000_000_000
MS = 1_000_000
# per trace: (tool latencies in ms); trace 5 has one slow call (the tail a threshold is for)
TRACES = [(40, 55), (38, 61, 47), (52,), (44, 58), (49, 40, 66), (51, 2400)]


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def write_raw_traces(path: Path) -> None:
    """OTLP JSON as an app instrumented with the OTel GenAI conventions exports it: a root span per
    request with no status (UNSET), an LLM call and tool calls under it."""
    spans: list[dict] = []
    for t, tools in enumerate(TRACES):
        trace = f"{t + 1:032x}"

        def span(
            sid: int,
            parent: int | None,
            name: str,
            start: int,
            end: int,
            t: int = t,
            trace: str = trace,
            **attrs: object,
        ) -> None:
            s = {
                "traceId": trace,
                "spanId": f"{t + 1:08x}{sid:08x}",
                "name": name,
                "kind": "SPAN_KIND_INTERNAL",
                "startTimeUnixNano": str(T0 + (t * 10_000 + start) * MS),
                "endTimeUnixNano": str(T0 + (t * 10_000 + end) * MS),
                "attributes": [_attr(k, v) for k, v in attrs.items()],
                "status": {},
            }
            if parent:
                s["parentSpanId"] = f"{t + 1:08x}{parent:08x}"
            spans.append(s)

        at = 130
        for i, ms in enumerate(tools):
            span(
                3 + i,
                1,
                "execute_tool lookup",
                at,
                at + ms,
                **{
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": "lookup",
                    "gen_ai.tool.call.arguments": json.dumps({"q": i}),
                },
            )
            at += ms + 5
        span(
            2,
            1,
            "chat gpt-4o-mini",
            5,
            120,
            **{
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": 300 + 40 * t,
                "gen_ai.usage.output_tokens": 20 + t,
            },
        )
        span(1, None, "handle_request", 0, at + 10, **{"gen_ai.agent.name": "helpdesk"})
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "helpdesk")]},
                "scopeSpans": [{"scope": {"name": "app"}, "spans": spans}],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


@pytest.fixture()
def raw_ws(tmp_path: Path) -> wb.Workspace:
    path = tmp_path / "helpdesk.otlp.jsonl"
    write_raw_traces(path)
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert report.quarantined == 0
    return ws


def _leaf_peaks(ws: wb.Workspace, column: str) -> pd.Series:
    """Each run's highest value of ``column`` over the steps with no step under them, by hand."""
    steps = ws.sql(f"SELECT run_id, step_id, parent_id, {column} AS v FROM steps").df()
    parents = set(zip(steps["run_id"], steps["parent_id"], strict=True))
    leaf = steps[[(r, s) not in parents for r, s in zip(steps["run_id"], steps["step_id"], strict=True)]]
    return leaf.groupby("run_id")["v"].max()


def test_the_fixture_is_what_raw_traces_look_like(raw_ws: wb.Workspace) -> None:
    outcomes = raw_ws.sql("SELECT DISTINCT coalesce(outcome, 'unknown') FROM runs").fetchall()
    assert outcomes == [("unknown",)]
    assert raw_ws.sql("SELECT count(*) FROM runs").fetchall()[0][0] == len(TRACES)


def test_tuner_on_raw_traces_shows_review_load_and_says_how_to_add_outcomes(
    raw_ws: wb.Workspace, tmp_path: Path
) -> None:
    tu = ThresholdTuner(raw_ws)  # raised InvalidParameterError before
    panel = tu.missing.value
    assert f"None of the {len(TRACES)} runs has a known outcome" in panel
    assert "ws.label(run_id, outcome=" in panel and "ws.label_file(" in panel and "run_id,outcome" in panel
    assert tu.review is not None and tu.sweep is None
    assert tu.signal.value == "latency_ms" and {"latency_ms", "tokens_in", "tool_calls"} <= set(
        tu.signal.options
    )
    # both charts: the review load per threshold and the signal's distribution over every run
    assert len(tu.charts.children) == 2
    specs = [c.chart.to_dict() for c in tu.charts.children]
    assert "Review load per threshold" in json.dumps(specs[0])
    assert "unknown" in json.dumps(specs[1])
    # the readout's counts are the runs whose leaf steps reach the threshold, counted by hand
    peaks = _leaf_peaks(raw_ws, "latency_ms")
    for t in (60.0, 100.0, 2000.0):
        tu.threshold.value = t
        point = tu.review.load.at(t)
        assert point["escalated_runs"] == int((peaks >= t).sum())
        assert f"({int((peaks >= t).sum())} of {len(TRACES)};" in tu.readout.value
    # the root spans enclose the calls: their latency is no step signal (as in the sweep and the guard)
    assert tu.review.load.at(2400.0)["escalated_runs"] == 1
    policy = tu.export_policy(tmp_path / "review.yaml")
    back = wb.Policy.from_yaml(tmp_path / "review.yaml")
    assert back == policy and back.hitl[0].signal == "latency_ms" and back.hitl[0].threshold == 2000.0
    assert back.provenance.source == "review_load" and "review load alone" in back.provenance.notes[0]


def test_review_load_of_every_signal_matches_a_count_by_hand(raw_ws: wb.Workspace) -> None:
    for signal in ("latency_ms", "tokens_in", "tokens_out"):
        load = wb.review_load(raw_ws, signal)
        peaks = _leaf_peaks(raw_ws, signal)
        for t in load.curve["threshold"]:
            assert load.at(t)["escalated_runs"] == int((peaks >= t).sum())
    calls = wb.review_load(raw_ws, "tool_calls")
    assert calls.at(3.0)["escalated_runs"] == sum(len(t) >= 3 for t in TRACES)


def test_histogram_of_all_runs_counts_unknown_outcomes(raw_ws: wb.Workspace) -> None:
    bins = wb.plots.histogram_data(raw_ws, "latency_ms", all_runs=True)
    assert set(bins["outcome"]) == {"unknown"}
    # the steps that carry a signal: the root spans enclose the calls, their latency is not one
    assert bins["n"].sum() == _leaf_peaks(raw_ws, "latency_ms").size + sum(len(t) for t in TRACES)
    assert bins["bin_end"].max() <= max(max(t) for t in TRACES) + 1e-6
    assert wb.plots.histogram_data(raw_ws, "latency_ms").empty  # labelled runs only, as before


def test_tuner_prices_once_outcomes_are_labelled(raw_ws: wb.Workspace) -> None:
    runs = [r for (r,) in raw_ws.sql("SELECT run_id FROM runs ORDER BY run_id").fetchall()]
    for i, run_id in enumerate(runs):
        raw_ws.label(run_id, outcome="failure" if i == len(runs) - 1 else "success")
    tu = ThresholdTuner(raw_ws, signal="latency_ms")
    assert tu.review is None and tu.sweep is not None and tu.sweep.n_failures == 1


def test_every_view_on_an_empty_store_says_there_is_nothing_yet() -> None:
    ws = wb.open()
    tu = ThresholdTuner(ws)
    assert "holds no runs yet" in tu.missing.value and "ws.ingest(" in tu.missing.value and tu.review is None
    lt = LimitTuner(ws)  # raised InvalidParameterError before
    assert "No run with steps in this store" in lt.notes.value and lt.limits is None
    assert "holds no runs yet" in DriftMonitor(ws).summary.value
    assert "holds no runs yet" in IncidentExplorer(ws).header.value
    assert FindingsOverview(ws).children  # built, no exception


def test_every_view_on_raw_traces_draws(raw_ws: wb.Workspace) -> None:
    lt = LimitTuner(raw_ws, min_runs=3)
    assert lt.charts.children and "unknown-outcome runs" in lt.readout.value
    dm = DriftMonitor(raw_ws)
    assert dm.chart is not None
    ex = IncidentExplorer(raw_ws)
    assert ex.run_id is not None and "unknown" in ex.header.value

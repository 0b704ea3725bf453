"""IncidentExplorer and the run list, without a browser: paging, filters, selection, attribution."""

from __future__ import annotations

import re
from datetime import timedelta

import ipywidgets as w
import pytest
from payload import AGENT, PAYLOAD

import workbench as wb
from workbench.widgets import IncidentExplorer, RunFilter, count_runs, run_page


def _html_values(widget: w.Widget) -> list[str]:
    out = []
    stack = [widget]
    while stack:
        x = stack.pop()
        if isinstance(x, (w.HTML, w.HTMLMath)):
            out.append(x.value)
        stack.extend(getattr(x, "children", ()))
    return out


def test_pages_cover_every_run_once_in_order(ws: wb.Workspace) -> None:
    flt = RunFilter(outcome="failure")
    total = count_runs(ws, flt)
    expected = ws.runs(outcome="failure").run_id.tolist()
    assert total == len(expected) > 10
    pages = [run_page(ws, flt, p, 7) for p in range(-(-total // 7))]
    assert [r for pg in pages for r in pg.run_id] == expected
    assert run_page(ws, flt, 99, 7).empty


def test_filters(ws: wb.Workspace, system: wb.sim.ProcurementSystem) -> None:
    flagged = set(
        ws.sql("SELECT run_id FROM findings WHERE detector = 'retry' AND severity <> 'info'").fetchnumpy()[
            "run_id"
        ]
    )
    got = run_page(ws, RunFilter(detector="retry"), 0, 1000)
    assert set(got.run_id) == flagged and (got.hits > 0).all()
    assert all("retry" in d for d in got.detectors)
    first = ws.sql("SELECT min(started_at)::DATE FROM runs").fetchall()[0][0]
    day = run_page(ws, RunFilter(since=first, until=first + timedelta(days=1)), 0, 1000)
    assert 0 < len(day) < 120 and (day.started_at.dt.date == first).all()
    run = got[got.outcome == "failure"].run_id.iloc[0]
    culprit = wb.attribute(ws, run, system.replay).verdict.culprit
    assert culprit is not None
    mine = run_page(ws, RunFilter(culprit=culprit), 0, 1000)
    assert run in set(mine.run_id) and (mine.culprit == culprit).all()


def test_filter_values_are_parameters(ws: wb.Workspace) -> None:
    assert count_runs(ws, RunFilter(system="x' OR '1'='1")) == 0
    assert count_runs(ws, RunFilter(detector="retry' OR 1=1 --")) == 0
    with pytest.raises(ValueError, match="outcome"):
        RunFilter(outcome="failure' OR '1'='1")
    with pytest.raises(ValueError, match="since"):
        RunFilter(since="2026-01-01; DROP TABLE runs")
    with pytest.raises(ValueError, match="page"):
        run_page(ws, RunFilter(), -1)


def test_explorer_lists_pages_and_shows_a_run_and_selections_reach_python(ws: wb.Workspace) -> None:
    ex = IncidentExplorer(ws, filters={"outcome": "failure"}, page_size=5, blame_model=None)
    total = count_runs(ws, RunFilter(outcome="failure"))
    assert ex.page_label.value == f"page 1 of {-(-total // 5)} · {total:,} runs"
    assert len(ex.runs.options) == 5 and ex.run_id == ex.runs.options[0][1]
    assert ex.run_id in ex.header.value and ex.timeline.chart is not None
    assert ex.step.value is not None and ex.step.value in ex.detail.value
    first = ex.run_id
    # selecting a run and a step reach Python (on this explorer: merged, suite52)
    other = ex.runs.options[2][1]
    ex.runs.value = other  # what a click in the list does
    assert ex.run_id == other and other in ex.header.value
    target = ex.steps.step_id.iloc[-1]
    # What the browser sends when a move is clicked in the timeline: the Vega point selection.
    ex.timeline._vl_selections = {"step": {"value": {"vlPoint": {"or": [{"step_id": target}]}}, "store": []}}
    assert ex.step_id == target and ex.step.value == target
    assert re.search(rf"<td>{target}</td>", ex.detail.value)
    ex.next.click()
    assert ex.page == 1 and ex.run_id != first and ex.page_label.value.startswith("page 2 of")
    ex.prev.click()
    assert ex.page == 0 and ex.prev.disabled
    ex.outcome.value = "success"
    # on the page of the run it opens on by its rule (no failed run listed: the most serious finding), ux46
    assert ex.runs.value == ex.run_id and ex.total == count_runs(ws, RunFilter(outcome="success"))
    assert "page_query" in ex.latency_ms and "run" in ex.latency_ms


def test_unset_filters_show_any_and_clear_back(ws: wb.Workspace) -> None:
    ex = IncidentExplorer(ws, page_size=5, blame_model=None)
    # a dropdown whose value matches no option shows a blank box; "any" must be a real, labelled option
    for d in (ex.outcome, ex.system, ex.detector, ex.culprit):
        assert d.label == "(any)" and d.index == 0
    assert ex.total == count_runs(ws, RunFilter())
    ex.outcome.value = "failure"
    assert ex.total == count_runs(ws, RunFilter(outcome="failure"))
    ex.outcome.value = ""
    assert ex.outcome.label == "(any)" and ex.total == count_runs(ws, RunFilter())


def test_compute_attribution_with_progress(ws: wb.Workspace, system: wb.sim.ProcurementSystem) -> None:
    run = ws.sql(
        "SELECT r.run_id FROM runs r WHERE outcome = 'failure' AND NOT EXISTS "
        "(SELECT 1 FROM attributions a WHERE a.run_id = r.run_id) ORDER BY run_id DESC LIMIT 1"
    ).fetchall()[0][0]
    # (the replay verdict is checked: no log-only verdict scored beside it, suite52)
    ex = IncidentExplorer(ws, replay=system.replay, filters={"outcome": "failure"}, blame_model=None)
    ex.show_run(run)
    assert "No replay attribution stored" in ex.verdict.value and not ex.blame_box.children
    res = ex.compute_attribution()
    assert ex.progress.value == ex.progress.max > 0
    assert f"<b>{res.verdict.culprit}</b>" in ex.verdict.value and len(ex.blame_box.children) == 1
    if res.verdict.decisive_step:
        assert "decisive step" in str(ex.timeline.chart.to_dict())
    without = IncidentExplorer(ws, blame_model=None)
    assert without.compute.disabled
    with pytest.raises(ValueError, match="replay"):
        without.compute_attribution()


def test_blame_model_shown_beside_replay(ws: wb.Workspace) -> None:
    # (without the confidence calibration, five more fits: the verdict's agent is checked, which it does not move)
    model = wb.BlameModel(n_estimators=20, calibration_cv=None).fit(ws)
    ex = IncidentExplorer(ws, blame_model=model, filters={"outcome": "failure"})
    pred = model.predict(ws, [ex.run_id]).iloc[0]
    assert "Log-only BlameModel" in ex.verdict.value and f"<b>{pred['agent']}</b>" in ex.verdict.value


def test_log_text_is_escaped_everywhere(xss_ws: wb.Workspace) -> None:
    ex = IncidentExplorer(xss_ws, snapshot=lambda r, s: PAYLOAD)
    assert ex.run_id == "xss-run"
    seen = []
    for step in [o[1] for o in ex.step.options]:
        ex.select_step(step)
        seen += _html_values(ex)
    html = "\n".join(seen)
    for raw in (PAYLOAD, AGENT, "<script>", "<svg onload", "<b>plan</b>"):
        assert raw not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(&#x27;input&#x27;)" in html
    assert any(AGENT in label for label, _ in ex.step.options)  # option labels are text, shown as such


def test_pager_pages_equal_the_one_shot_query(ws: wb.Workspace) -> None:
    from workbench.widgets import RunPager

    for flt in (RunFilter(), RunFilter(outcome="failure"), RunFilter(detector="loop")):
        pager = RunPager(ws, flt)
        assert pager.total == count_runs(ws, flt)
        for page in range(-(-pager.total // 9)):
            a, b = pager.page(page, 9), run_page(ws, flt, page, 9)
            assert a.run_id.tolist() == b.run_id.tolist() and a.hits.tolist() == b.hits.tolist()
            assert a.detectors.tolist() == b.detectors.tolist() and a.culprit.tolist() == b.culprit.tolist()
            assert pager.has_next(page, 9) == ((page + 1) * 9 < pager.total)


def test_pager_seeks_forward_backward_and_jumps_through_ties_and_untimed_runs() -> None:
    """Keyset paging over a list with equal start times and runs without one, in every direction."""
    from datetime import datetime

    from workbench.widgets import RunPager

    ws = wb.open()
    # 40 runs in 8 equal start times, 7 runs with no start time (listed last), ids out of time order.
    ws.con.execute("""
        INSERT INTO runs (run_id, system, started_at, outcome, n_steps)
        SELECT 'run-' || lpad(((i * 17) % 47)::VARCHAR, 2, '0'), 'sys',
               CASE WHEN i < 40 THEN TIMESTAMP '2026-03-01' + to_hours(i // 5) END,
               CASE WHEN i % 3 = 0 THEN 'failure' ELSE 'success' END, i
        FROM range(47) t(i)""")
    for flt in (RunFilter(), RunFilter(outcome="failure"), RunFilter(since=datetime(2026, 3, 1, 2))):
        expected = run_page(ws, flt, 0, 1000).run_id.tolist()
        for size in (3, 11):
            pages = -(-len(expected) // size)
            want = [expected[p * size : (p + 1) * size] for p in range(pages)]
            forward = RunPager(ws, flt)
            assert [forward.page(p, size).run_id.tolist() for p in range(pages)] == want
            assert not forward.has_next(pages - 1, size)
            backward = RunPager(ws, flt)  # a jump to the last page, then "newer" all the way up
            assert [backward.page(p, size).run_id.tolist() for p in reversed(range(pages))] == want[::-1]
            jumps = RunPager(ws, flt)
            for p in (pages // 2, 1, pages - 1, 0, pages // 3):
                assert jumps.page(p, size).run_id.tolist() == (want[p] if p < pages else [])
            assert jumps.page(pages + 3, size).empty
        assert RunPager(ws, flt).total == len(expected)


def _phoenix_run(trace: str, code: str) -> list[dict]:
    """One trace of a Phoenix span export: an AGENT turn with an LLM call and a tool call."""

    def span(n: int, name: str, kind: str, parent: str | None, attrs: dict, status: str) -> dict:
        return {
            "name": name,
            "context": {"trace_id": trace, "span_id": f"{trace}-{n}"},
            "span_kind": kind,
            "parent_id": parent,
            "start_time": f"2026-07-09T00:00:0{n}+00:00",
            "end_time": f"2026-07-09T00:00:0{n}.5+00:00",
            "status_code": status,
            "attributes": attrs,
        }

    return [
        span(1, "pxi.turn", "AGENT", None, {"input.value": "add the span to a dataset"}, code),
        span(2, "claude", "LLM", f"{trace}-1", {"llm.model_name": "claude", "output.value": "calling"}, "OK"),
        span(3, "add_spans", "TOOL", f"{trace}-1", {"tool.name": "add_spans", "input.value": "{}"}, code),
    ]


def test_log_only_verdict_names_no_culprit_for_a_run_that_succeeded(tmp_path) -> None:  # noqa: ANN001
    import json

    path = tmp_path / "spans.json"
    silent = _phoenix_run("silent", "OK")  # a sub-agent that ends in error under a root that says OK
    silent.append(
        {
            **silent[1],
            "name": "ServerAgent.iter",
            "span_kind": "AGENT",
            "status_code": "ERROR",
            "status_message": "UsageLimitExceeded",
            "context": {"trace_id": "silent", "span_id": "silent-4"},
        }
    )
    path.write_text(
        json.dumps(
            _phoenix_run("ok", "OK") + _phoenix_run("bad", "ERROR") + _phoenix_run("quiet", "UNSET") + silent
        ),
        encoding="utf-8",
    )
    ws = wb.open()
    ws.ingest(path)
    assert dict(ws.sql("SELECT run_id, outcome FROM runs").fetchall()) == {
        "ok": "success",
        "bad": "failure",
        "quiet": "unknown",
        "silent": "success",
    }
    wb.detect(ws)
    model = wb.BlameModel.pretrained()
    ex = IncidentExplorer(ws, blame_model=model)
    ex.show_run("ok")
    assert (
        "the run succeeded, so it names no culprit" in ex.verdict.value
        and "<b>pxi.turn</b>" not in ex.verdict.value
    )
    ex.show_run("bad")
    agent = model.predict(ws, ["bad"]).iloc[0]["agent"]
    assert f"Log-only BlameModel: <b>{agent}</b>" in ex.verdict.value
    ex.show_run("quiet")
    assert "should this run have failed (its logs do not say)" in ex.verdict.value
    ex.show_run("silent")  # reported success, but the detectors found a silent failure: a culprit helps
    assert "Log-only BlameModel, for the silent failure the detectors found: <b>" in ex.verdict.value

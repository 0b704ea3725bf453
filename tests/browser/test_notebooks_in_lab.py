"""Each notebook run in JupyterLab in headless Chromium, as a person would: Run All, then look.

Every chart must be drawn (an svg/canvas of non-zero size), the console must stay free of errors, no
cell may show an error or warning text, and the widgets must answer clicks and slider moves. The page
then saves the notebook and the checks of tests/notebooks run on that copy (one execution serves both).
Update latencies are measured here and written to ``latency.json`` beside the screenshots.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from pathlib import Path

import nbformat
import pytest
from _deep import deep
from _lab import (
    PANEL,
    cell_errors,
    desk,
    onerror_would_have_fired,
    run_all,
    run_cells,
    save_notebook,
    screenshot,
    settle,
    text,
    wait_charts_drawn,
    wait_text_change,
    wide_outputs,
    widget_errors,
)
from _notebook_checks import MIN_CHARTS, check_executed, check_stripped

from workbench.attribution._feature_labels import FEATURE_LABELS

pytestmark = pytest.mark.slow
LATENCY: dict[str, object] = {}
WIDGETS_TESTS = Path(__file__).resolve().parents[1] / "widgets"


def _record(lab, key: str, value: object) -> None:  # noqa: ANN001
    LATENCY[key] = value
    (lab.shots / "latency.json").write_text(json.dumps(LATENCY, indent=1))


def _check_page(lab, s, minimum_charts: int) -> list[dict]:  # noqa: ANN001
    charts = wait_charts_drawn(s, minimum_charts)
    assert len(charts) >= minimum_charts, f"{len(charts)} charts on the page, expected {minimum_charts}+"
    # drawn: a surface of non-zero size holding marks (an svg with no path, rect or text is an empty frame)
    blank = [c for c in charts if not c["kind"] or c["width"] <= 0 or c["height"] <= 0 or c["marks"] == 0]
    assert not blank, f"charts not drawn: {blank}"
    assert not cell_errors(s), cell_errors(s)
    assert not widget_errors(s), widget_errors(s)
    assert not s.console_errors, s.console_errors
    assert not s.dialogs, s.dialogs
    return charts


@pytest.fixture()
def session(lab, browser, request):  # noqa: ANN001
    """Opens a committed notebook in the shared page on the view tests' kernel, reset to a fresh namespace (its
    imports already loaded: a kernel of its own cost each notebook ~6 CPU s of imports and ~3 s of shutdown); the
    notebook closed after, and the kernel stopped if the test failed (nothing it left running reaches the next)."""
    d, opened, failed = desk(browser, lab), [], request.session.testsfailed

    def open_(name: str):  # noqa: ANN202
        d.warm_kernel(name)
        s = d.open(name)
        opened.append(s)
        return s

    yield open_
    for s in opened:
        d.close(s)
    if request.session.testsfailed > failed:
        d.drop_kernel()


def _fits(s) -> None:  # noqa: ANN001
    """No output of a committed notebook scrolls sideways (ux14 saw 03's backtest table cut at the right edge):
    every table, chart and view fits the width JupyterLab gives it at 1400 px (at 1000 px: ``_fits_at_1000``)."""
    settle(s)  # the last widgets lay out
    assert not wide_outputs(s), wide_outputs(s)


def _fits_at_1000(s, shot: Path, at_1000=None) -> None:  # noqa: ANN001
    """The same at 1000 px, where the file browser leaves an output 568 px (ux38: 03's per-rule table held 849 px
    there, 01's timeline 899), after whatever the test clicked; ``at_1000``: more checks made there. A test's last
    look: the window is left at 1000 px (each resize redraws every chart of the notebook, and the way back to 1400
    cost a second redraw; the desk's next notebook opens at 1400)."""
    s.page.set_viewport_size({"width": 1000, "height": 1800})
    settle(s)
    assert not wide_outputs(s), ("at 1000 px", wide_outputs(s))
    screenshot(s, shot)
    if at_1000 is not None:
        at_1000()
    assert not s.console_errors, ("at 1000 px", s.console_errors)


def _run_notebook(lab, session, name: str):  # noqa: ANN001, ANN202
    """Run All on a committed notebook, then its checks on the copy the page saves."""
    check_stripped(lab.root / name)
    s = session(name)
    run_all(s)
    _record(lab, f"{name[:2]}_run_all_s", round(s.seconds, 1))
    check_executed(nbformat.read(save_notebook(s, lab.root / name), as_version=4))
    return s


def _wait_timeline_of(s, ex, run_id: str) -> None:  # noqa: ANN001
    """Wait until the explorer's timeline is the chart of ``run_id`` (its title), not the previous run's."""
    ex.locator(".wb-timeline svg").first.wait_for()
    s.page.wait_for_function(
        "([sel, rid]) => [...document.querySelectorAll(sel)].some(t => t.textContent === rid)",
        arg=[f"{PANEL} .wb-incident-explorer .wb-timeline svg text", run_id],
        timeout=60_000,
    )


# The notebook's SHAP chart ("Why <step> (<agent>): top features"): its y-axis labels, bars and x-axis title.
_SHAP = """(panel) => { const e = [...document.querySelectorAll(panel + ' .vega-embed')].find(v =>
    /top features/.test((v.querySelector('.role-title-text') || {}).textContent || ''));
  if (!e) return null;
  const axis = (d) => e.querySelector(`g[aria-label^="${d}-axis"]`);
  return {labels: [...axis('Y').querySelectorAll('.role-axis-label text')].map(t => t.textContent),
          bars: e.querySelectorAll('.mark-rect path').length,
          x_title: (axis('X').querySelector('.role-axis-title text') || {}).textContent || ''}; }"""


def test_01_investigate_incident(lab, session) -> None:  # noqa: ANN001
    s = _run_notebook(lab, session, "01_investigate_incident.ipynb")
    charts = _check_page(lab, s, minimum_charts=MIN_CHARTS["01_investigate_incident.ipynb"])
    _fits(s)
    titles = " | ".join(c["title"] for c in charts)
    assert "Blame per agent" in titles and "Blame per step" in titles and "every move" in titles
    page = s.page
    # The SHAP chart: drawn, and what it says readable: one bar per feature, each labelled with the feature's
    # words (ux27), whole (not a raw column name, not cut with "…" by the axis' label limit)
    shap = page.evaluate(_SHAP, PANEL)
    assert shap is not None, titles
    assert len(shap["labels"]) >= 3 and shap["bars"] == len(shap["labels"]), shap
    assert set(shap["labels"]) <= set(FEATURE_LABELS.values()) and not any(
        "…" in t for t in shap["labels"]
    ), shap
    assert "SHAP value" in shap["x_title"], shap
    ex = page.locator(f"{PANEL} .wb-incident-explorer").first
    ex.scroll_into_view_if_needed()
    options = ex.locator(".wb-run-list select option")
    assert options.count() >= 5
    assert ex.locator(".wb-timeline svg").first.bounding_box()["height"] > 50
    screenshot_el(ex, lab.shots / "01_explorer.png")
    # Selecting another run in the list updates the header, timeline and detail panel.
    header = f"{PANEL} .wb-incident-explorer .wb-run-header"
    times = []
    # a run of the list other than the one shown (notebook 01 shows its incident, which may be listed there; an
    # option's value is its label, the run id first); three with WORKBENCH_DEEP_TESTS=1 (the same path again: a
    # sample of its latency)
    shown = text(s, header).split()[0]
    want = 3 if deep() else 1
    picks = [
        i for i in range(2, options.count()) if options.nth(i).get_attribute("value").split()[0] != shown
    ][:want]
    assert len(picks) == want, (shown, options.count())
    for i in picks:
        before = text(s, header)
        value = options.nth(i).get_attribute("value")
        t0 = time.perf_counter()
        ex.locator(".wb-run-list select").select_option(value=value)
        times.append(time.perf_counter() - t0 + wait_text_change(s, header, before))
        assert text(s, header) != before
        _wait_timeline_of(s, ex, text(s, header).split()[0])
    _record(lab, "select_run_to_header_ms", [round(t * 1000) for t in times])
    # Clicking a move in the timeline chart reaches Python: the detail panel shows that step.
    detail = f"{PANEL} .wb-incident-explorer .wb-step-detail"
    before = text(s, detail)
    bar = ex.locator(".wb-timeline svg .mark-rect path").first
    bar.click(force=True)
    took = wait_text_change(s, detail, before)
    _record(lab, "click_step_to_detail_ms", round(took * 1000))
    # The "older" button (or "newer", on the last page: the explorer shows notebook 01's incident, paged to it):
    # the next page arrives from DuckDB, replaces the list and the label.
    label = f"{PANEL} .wb-incident-explorer .wb-page-label"
    before, first = text(s, label), options.first.get_attribute("value")
    at, of = (int(n) for n in re.match(r"page (\d+) of (\d+)", before).groups())
    assert of >= 2, before
    t0 = time.perf_counter()
    ex.locator("button.wb-next-page" if at < of else "button.wb-prev-page").first.click()
    took = time.perf_counter() - t0 + wait_text_change(s, label, before)
    then = at + 1 if at < of else at - 1
    assert (
        text(s, label).startswith(f"page {then} of") and text(s, label).split("·")[1] == before.split("·")[1]
    )
    s.page.wait_for_function(
        "([sel, first]) => { const o = document.querySelector(sel); return o && o.value !== first; }",
        arg=[f"{PANEL} .wb-incident-explorer .wb-run-list select option", first],
        timeout=30_000,
    )
    _record(lab, "next_page_to_list_ms", round(took * 1000))
    assert options.count() >= 5 and first not in [
        options.nth(i).get_attribute("value") for i in range(options.count())
    ]
    # The header names the run the new page opened on, and the timeline follows it (drawn last).
    _wait_timeline_of(s, ex, text(s, header).split()[0])
    screenshot_el(ex, lab.shots / "01_explorer_page2.png")
    assert not s.console_errors, s.console_errors
    screenshot(s, lab.shots / "01_notebook.png")
    _fits_at_1000(s, lab.shots / "01_notebook_1000.png")


def test_02_tune_thresholds(lab, session) -> None:  # noqa: ANN001
    s = _run_notebook(lab, session, "02_tune_hitl_thresholds.ipynb")
    _check_page(lab, s, minimum_charts=MIN_CHARTS["02_tune_hitl_thresholds.ipynb"])
    _fits(s)
    page = s.page
    tuner = page.locator(f"{PANEL} .wb-threshold-tuner").first
    tuner.scroll_into_view_if_needed()
    rate = f"{PANEL} .wb-threshold-tuner .wb-escalation-rate"
    # ux37: it opens on the threshold it recommends, says why, and lists the runs that threshold sends to a human
    listed = f"{PANEL} .wb-threshold-tuner .wb-escalated-summary"
    assert "Recommended:" in tuner.locator(".wb-tuner-recommended").inner_text()
    opened_on = text(s, listed)
    assert "sent to a human" in opened_on and tuner.locator(".wb-escalated-runs option").count() > 0, (
        opened_on
    )
    handle = tuner.locator(".widget-slider .noUi-handle").first
    track = tuner.locator(".widget-slider .noUi-base").first.bounding_box()
    times, seen = [], {text(s, rate)}
    # drag the handle as a person does: to three places far apart, the last where the six of
    # WORKBENCH_DEEP_TESTS=1 end (the same path again: a sample of its latency), whose runs are opened below
    for frac in (0.1, 0.3, 0.5, 0.7, 0.9, 0.2) if deep() else (0.9, 0.5, 0.2):
        before = text(s, rate)
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        t0 = time.perf_counter()
        page.mouse.move(track["x"] + frac * track["width"], box["y"] + box["height"] / 2, steps=4)
        page.mouse.up()
        try:
            times.append(time.perf_counter() - t0 + wait_text_change(s, rate, before, timeout=15))
        except Exception:  # the drag's own continuous updates already showed the new rate
            pass
        page.wait_for_timeout(300)
        seen.add(text(s, rate))
    assert len(seen) >= 3, f"the escalation rate did not follow the slider: {seen}"
    # the list of runs followed it (ux37), and the one picked opens in an explorer below the list, drawn
    assert text(s, listed) != opened_on
    # (its label; the id ends at the line's first break point, a zero-width space: ux43)
    picked = tuner.locator(".wb-escalated-runs select").first.input_value().split("\u200b")[0].strip()
    tuner.locator(".wb-escalated .wb-open-run").first.click()
    # (the new explorer draws the newest run first, then the one picked: wait for that one's header and timeline)
    s.page.wait_for_function(
        "([sel, rid]) => { const h = document.querySelector(sel); return h && h.innerText.startsWith(rid); }",
        arg=[f"{PANEL} .wb-threshold-tuner .wb-run-header", picked],
        timeout=120_000,
    )
    ex = tuner.locator(".wb-escalated .wb-incident-explorer").first
    _wait_timeline_of(s, ex, picked)
    _record(
        lab,
        "slider_to_rate_ms",
        {
            "n": len(times),
            "median": round(statistics.median(times) * 1000),
            "max": round(max(times) * 1000),
            "all": [round(t * 1000) for t in times],
        },
    )
    screenshot_el(tuner, lab.shots / "02_tuner.png")
    _check_limit_tuner(lab, s, "02_limit_tuner.png")
    assert not s.console_errors, s.console_errors
    _fits_at_1000(s, lab.shots / "02_notebook_1000.png")


# A LimitTuner's two charts as drawn: bars of the runs stopped, and per rule a histogram with its limit.
_LIMIT_CHARTS = """(root) => [...root.querySelectorAll('.vega-embed svg.marks')].map(svg => ({
  bars: svg.querySelectorAll('.mark-rect path').length,
  rules: svg.querySelectorAll('.mark-rule path, .mark-rule line').length,
  limits: [...svg.querySelectorAll('.mark-text text')].filter(t => t.textContent.startsWith('limit ')).length,
  height: svg.getBoundingClientRect().height}))"""


def _check_limit_tuner(lab, s, shot: str) -> None:  # noqa: ANN001
    """The notebook's limit view is drawn: runs stopped per limit, and a histogram per rule with its limit."""
    view = s.page.locator(f"{PANEL} .wb-limit-tuner").first
    view.scroll_into_view_if_needed()
    stops, peaks = view.evaluate(_LIMIT_CHARTS)
    assert stops["bars"] >= 5 and stops["height"] > 100, stops
    assert peaks["bars"] >= 20 and peaks["rules"] >= 8 and peaks["limits"] >= 8, peaks
    assert "together they would stop" in view.locator(".wb-limits-readout").inner_text()
    screenshot_el(view, lab.shots / shot)


def test_03_export_policy(lab, session) -> None:  # noqa: ANN001
    s = _run_notebook(lab, session, "03_export_policy.ipynb")
    _check_page(lab, s, minimum_charts=MIN_CHARTS["03_export_policy.ipynb"])
    _fits(s)
    body = s.page.locator(PANEL).first.inner_text()
    assert "PolicyViolation" in body and "hitl:" in body
    # the suggested limits: drawn, exported through the view and read back valid, a broken edit rejected
    _check_limit_tuner(lab, s, "03_limit_tuner.png")
    assert (
        "valid against the policy schema" in s.page.locator(f"{PANEL} .wb-limits-policy").first.inner_text()
    )
    assert "rejected: policy: budgets.max_tool_calls_run: must be an integer" in body
    assert "suggested limits" in body
    screenshot(s, lab.shots / "03_notebook.png")
    _fits_at_1000(
        s,
        lab.shots / "03_notebook_1000.png",
        at_1000=lambda: _check_run_ids_whole(s, lab.shots / "03_guard_live_1000.png"),
    )


# Each run id of a table indexed by run id (03's show_runs): its text and on how many lines it is drawn.
_RUN_ID_LINES = """(panel) => [...document.querySelectorAll(panel + ' table.wb-run-ids tbody th')].map(th => {
  const r = document.createRange(); r.selectNodeContents(th);
  return [th.innerText, new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size];
})"""


def _check_run_ids_whole(s, shot: Path) -> None:  # noqa: ANN001
    """ux39: at 1000 px beside the file browser, 03's tables of runs (the guard played live, its escalations) broke
    each run id at its hyphens over three lines ("proc-s2027-" / "000038"); each is on one line now. (Called by
    _fits_at_1000 with the page at 1000 px, settled.)"""
    assert s.page.viewport_size["width"] == 1000, s.page.viewport_size
    ids = s.page.evaluate(_RUN_ID_LINES, PANEL)
    assert len(ids) >= 4 and all(lines == 1 for _, lines in ids), ids
    live = s.page.locator(f"{PANEL} table.wb-run-ids").filter(has_text="guard: stopped at").first
    live.scroll_into_view_if_needed()
    live.screenshot(path=str(shot))


def test_log_text_shows_as_text_and_never_runs(lab, browser) -> None:  # noqa: ANN001
    with run_cells(
        browser,
        lab,
        "xss.ipynb",
        [
            f"import sys\nsys.path.insert(0, {str(WIDGETS_TESTS)!r})\n"
            "import workbench as wb\nfrom workbench import plots\n"
            "from workbench.widgets import FindingsOverview, IncidentExplorer\n"
            "from payload import add_payload_finding, payload_records\n"
            "plots.enable_offline()\nws = wb.open()\nws.ingest(payload_records(), progress=False)\nadd_payload_finding(ws)",
            "ex = IncidentExplorer(ws, snapshot=lambda r, s: '<img src=x onerror=alert(\"snapshot\")>')\n"
            "ex.select_step('s0002')\nex",
            "fo = FindingsOverview(ws)\nfo.drill('retry')\nfo",
            "plots.timeline(plots.timeline_data(ws, 'xss-run'), plots.handoff_data(ws, 'xss-run'), title='xss')",
            # runs whose agents are named like markup, templates, Vega expressions, escapes and overrides
            "import pandas as pd\nfrom payload import HOSTILE_AGENTS, hostile_runs\n"
            "from workbench.widgets import DriftMonitor, ThresholdTuner\nfrom workbench._magics import investigate\n"
            "hw = wb.open()\nhw.ingest(hostile_runs(), progress=False)\n"
            "tu = ThresholdTuner(hw, signal='entropy')\ntu.per_agent.value = True\ntu",
            "DriftMonitor(hw, metric='entropy')",
            "names = [*HOSTILE_AGENTS, \"</script><script>document.title='pwned'</script>\"]\n"
            "bars = plots.blame_bars(pd.DataFrame({'player': names, 'blame': [.3, .2, .2, .1, .1, .05, .05]}))\n"
            f"plots.save(bars, {str(lab.root / 'xss_chart.html')!r})\nbars",
            "wb.backtest(wb.policy_from_findings(hw, review_budget=0.6), hw)",
            "investigate(hw, 'hostile', attribute=False)",
        ],
    ) as s:
        charts = _check_page(lab, s, minimum_charts=9)
        assert all(c["marks"] > 0 for c in charts), charts  # every chart drew marks, hostile names or not
        page = s.page
        detail = page.locator(f"{PANEL} .wb-step-detail").first.inner_text()
        assert "<img src=x onerror=alert(1)>" in detail and "<svg onload=alert('error')>" in detail
        assert '<img src=x onerror=alert("snapshot")>' in detail
        findings = page.locator(f"{PANEL} .wb-findings-overview").first.inner_text()
        assert "<img src=x onerror=alert(1)>" in findings
        injected = page.evaluate(
            "() => document.querySelectorAll('img[src=\"x\"], svg[onload], script:not([src])').length"
        )
        scripts = page.evaluate(
            "() => [...document.querySelectorAll('script:not([src])')].map(s => s.textContent)"
            ".filter(t => t.includes('alert('))"
        )
        assert not scripts and not s.dialogs, (scripts, s.dialogs)
        assert injected == page.evaluate("() => document.querySelectorAll('script:not([src])').length")
        page.locator(f"{PANEL} .wb-step-detail").first.scroll_into_view_if_needed()
        onerror_would_have_fired(s)
        assert not s.dialogs, s.dialogs
        screenshot_el(page.locator(f"{PANEL} .wb-incident-explorer").first, lab.shots / "xss_explorer.png")
        # the tuner's readout and per-agent sliders, the drift lines, the backtest and investigate tables
        tuner = page.locator(f"{PANEL} .wb-threshold-tuner").first
        readout = tuner.locator(".wb-tuner-readout").inner_text()
        assert "<img src=x onerror=alert('agent2')>" in readout and "<U+202E>evil<U+202C>" in readout
        assert "escalation rate" in readout.split("<U+202C>")[-1]  # not reversed by the override
        labels = tuner.locator(".widget-slider .widget-label").all_inner_texts()
        assert "^[[31mred^[]0;t^G" in labels and "a^@b" in labels, labels
        body = page.locator(PANEL).first.inner_text()
        assert "</script><script>alert('run1')</script>" in body and "hitl:" in body
        screenshot_el(tuner, lab.shots / "xss_tuner.png")
        # a chart's tooltip shows log text as text: hover the first bar of the hostile blame chart
        bar = page.locator(f"{PANEL} .vega-embed").nth(len(charts) - 1).locator(".mark-rect path").first
        bar.scroll_into_view_if_needed()
        bar.hover(force=True)
        page.wait_for_selector("#vg-tooltip-element.visible", timeout=15_000)
        tip = page.locator("#vg-tooltip-element")
        assert "player" in tip.inner_text() and tip.locator("img, svg, script").count() == 0, tip.inner_html()
        onerror_would_have_fired(s)  # (for an <img src=x> the tooltip drew; a fixed 1.5 s guessed it)
        assert not s.dialogs and not s.console_errors, (s.dialogs, s.console_errors)
        assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"], svg[onload]').length") == 0
        # the chart saved as HTML: its script holds the names as data, so opening it runs nothing of theirs
        saved = browser.new_page()
        saved.goto((lab.root / "xss_chart.html").as_uri())
        saved.wait_for_selector(".vega-embed svg .mark-rect path", timeout=30_000)
        assert (
            saved.title() != "pwned"
            and saved.evaluate("() => document.querySelectorAll('script').length") == 2
        )
        assert "<img src=x" in saved.evaluate("() => document.querySelector('.vega-embed svg').textContent")
        saved.close()


def screenshot_el(locator, path: Path) -> None:  # noqa: ANN001
    path.parent.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(path))
    print(f"screenshot: {path}", file=sys.stderr)

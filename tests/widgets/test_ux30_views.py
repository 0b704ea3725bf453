"""What ux30 saw using the views on stores they had not met (Who&When, the real framework fixtures in one store,
the simulator's seed 11), checked on the views' own models and HTML."""

from __future__ import annotations

import re
import warnings

import workbench as wb
from workbench.widgets import FindingsOverview, IncidentExplorer, LimitTuner, ThresholdTuner


def _failed_store() -> wb.Workspace:
    """Six failed runs of four tool calls each, labelled with their culprit: r0's first call, the others' last."""
    records: list[dict] = []
    for r in range(6):
        records.append({"record": "run", "run_id": f"r{r}", "system": "s", "outcome": "failure"})
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a" if i % 2 else "b",
                "kind": "tool",
                "tool": "search",
                "input": f"q{r}-{i}",
                "started_at": f"2026-03-01T10:{r:02d}:{i:02d}Z",
                "ended_at": f"2026-03-01T10:{r:02d}:{i:02d}.5Z",
            }
            for i in range(4)
        ]
    # the culprit labels as label records of the one ingest (as a labelled export brings them): six ws.label
    # calls were six more ingests of the store, for three tests (suite54)
    records += [
        {
            "record": "label",
            "run_id": f"r{r}",
            "agent": "b" if r == 0 else "a",
            "step_id": "s0" if r == 0 else "s3",
            "source": "human",
        }
        for r in range(6)
    ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def test_tuner_says_failed_runs_escalated_after_their_culprit() -> None:
    # Who&When: "escalation rate 20.0% (1 of 5) · failures caught 0.0% (0 of 5)" with every run failed read as
    # a miscount; the escalated run was escalated after its labelled mistake, too late to count as caught
    ws = _failed_store()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tu = ThresholdTuner(ws, signal="tool_calls", budget=None)
    tu.threshold.value = 2.0  # crossed at the second call: after r0's culprit, before the others'
    text = tu.readout.value
    assert "(6 of 6;" in text and "failures caught <b>83.3%</b> (5 of 6)" in text, text
    assert "1 failed run escalated too late: only after its labelled culprit step" in text, text
    tu.threshold.value = 1.0  # the first call: at r0's culprit, caught; nothing late
    assert (
        "failures caught <b>100.0%</b> (6 of 6)" in tu.readout.value and "too late" not in tu.readout.value
    ), tu.readout.value
    ws.close()


def _limit_headers(lt: LimitTuner) -> list[str]:
    return re.findall(r"<th>([^<]*)</th>", lt.table.value)


def test_limit_table_says_its_basis_once() -> None:
    # Who&When in the LimitTuner: "all runs (0 successful, fewer than 5: limits are where the runs went, not
    # what normal runs need)" in a basis column on every row, wrapped to five lines each at 1000 px
    ws = _failed_store()
    lt = LimitTuner(ws)
    assert "basis" not in _limit_headers(lt) and "basis runs" in _limit_headers(lt), _limit_headers(lt)
    assert "fewer than 5" in lt.notes.value and "fewer than 5" not in lt.table.value, lt.table.value
    # no run of unknown outcome: no zeros for them (the runs stopped by outcome share one column: ux32)
    assert "stops failed / successful" in _limit_headers(lt), _limit_headers(lt)
    # (lab56) no rule stops a run: no column of blanks, 76 px that took a real system's table past a 1000 px
    # window's output (the column and its wrapping rule when runs are stopped: below)
    assert "first runs stopped" not in _limit_headers(lt) and "nth-child" not in lt.table.value, (
        _limit_headers(lt)
    )
    # ux32: a rule's note (why it has no limit) is in the notes above, not in a column that widened the table
    assert "note" not in _limit_headers(lt), _limit_headers(lt)
    ws.close()
    # learned from the successful runs: said once, above the table; runs of unknown outcome keep their column
    records = []
    for r in range(8):
        records.append(
            {
                "record": "run",
                "run_id": f"r{r}",
                "system": "<b>shop</b>",
                **({"outcome": "success"} if r < 6 else {}),
            }
        )
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "tool",
                "tool": "search",
                "input": f"q{r}-{i}",
                "status": "ok" if r < 6 else "unset",
            }
            for i in range(1 + r % 3)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    lt = LimitTuner(ws)
    assert (
        "Every limit here is learned from the successful runs of &lt;b&gt;shop&lt;/b&gt;." in lt.table.value
    )
    assert "basis" not in _limit_headers(lt) and "stops failed / successful / unknown" in _limit_headers(
        lt
    ), _limit_headers(lt)
    # at p50 of the successful runs' peaks (2 tool calls) r2 and r5 (3 calls) are stopped: their column is back, the
    # wrapping rule following it, the last
    lt.quantile.value = 0.5
    assert (
        _limit_headers(lt)[-1] == "first runs stopped" and "<span class='wb-id'>r2</span>" in lt.table.value
    )
    assert ".wb-limits-table td:nth-child(8){white-space:normal" in lt.table.value, lt.table.value
    ws.close()


def test_explorer_names_the_earliest_labelled_culprit_first() -> None:
    # the simulator labels a run's faults one by one: the retriever's at s3 came in before the planner's at s1,
    # and the header named the retriever first and the step panel opened on s3, while the sweep counts the
    # earliest labelled step (s1) as the run's decisive one
    ws = _failed_store()
    ws.label("r2", agent="b", step_id="s2", kind="late")
    ws.label("r2", agent="a", step_id="s1", kind="early")
    ex = IncidentExplorer(ws, blame_model=None)
    ex.show_run("r2")
    culprit = re.search(r"labelled culprit</th><td>(.*?)</td>", ex.header.value).group(1)
    assert culprit.index("at step s1") < culprit.index("at step s2") < culprit.index("at step s3"), culprit
    assert ex.step.value == "s1", ex.step.value
    ws.close()


def test_explorer_findings_keep_words_whole_and_halves_stack() -> None:
    # at a 1000 px window the findings sat in a 280 px half: "retrieve|r", "silent_failu|re", a step id in three
    # pieces. Short words stay whole; a token longer than any word (here a 40-letter agent) still breaks
    records = [{"record": "run", "run_id": "r1", "system": "s", "outcome": "failure"}]
    records += [
        {
            "run_id": "r1",
            "step_id": f"s{i}",
            "agent": "retriever" if i % 2 else "x" * 40,
            "kind": "tool",
            "tool": "search",
            "input": "<b>same</b>",
            "status": "ok",
        }
        for i in range(8)
    ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    wb.detect(ws)
    ex = IncidentExplorer(ws, blame_model=None)
    cells = re.findall(
        r"<td( class='wb-word')?>([^<]*)</td>", ex.findings.value.split("wb-finding-detail")[0]
    )
    assert cells and ("", "x" * 40) in cells, cells
    assert all(cls for cls, text in cells if text != "x" * 40), cells
    # the run list counts in words: "1 hits: loop" read as a typo
    assert ex.runs.options[0][0].endswith("· 1 hit: loop"), ex.runs.options
    # the step and attribution halves: side by side on a wide output, one under the other on a narrow one
    halves = ex.children[-1]
    assert halves.layout.flex_flow == "row wrap", halves.layout
    assert [h.layout.flex for h in halves.children] == ["1 1 calc((900px - 100%) * 999)"] * 2
    ws.close()


def test_flagged_runs_lead_with_their_worst_finding(ws: wb.Workspace) -> None:  # the simulator's store
    # a cascade's runs read "info, critical" on one line and "critical, info" on the next, the example one of its
    # info findings ("built on s0002 (planner)"), not the critical one saying what spread from where
    fo = FindingsOverview(ws)
    runs = fo.drill("cascade")
    critical = ws.sql(
        "SELECT run_id, detail FROM findings WHERE detector = 'cascade' AND severity = 'critical'"
    ).df()
    assert len(runs) and runs["run_id"].isin(critical["run_id"]).sum() >= 3, runs
    worst = runs[runs["run_id"].isin(critical["run_id"])]
    assert (worst["severity"].str.startswith("critical")).all(), worst
    said = critical.groupby("run_id")["detail"].agg(set)
    assert all(r.example in said[r.run_id] for r in worst.itertuples()), worst[["run_id", "example"]]
    assert "<div class='wb-flagged-runs'>" in fo.runs.value
    assert fo.chart.layout.overflow == "auto"  # its legend and menu scroll in its box on a narrow output


def test_tuner_says_when_its_threshold_sends_every_run() -> None:
    # simulator seed 11 at the default costs: the cheapest threshold escalated all 80 runs, and the tuner opened
    # there, "escalation rate 100.0%", as if that were its advice; nothing said to set a review budget
    records = []
    for r in range(6):
        records.append(
            {"record": "run", "run_id": f"r{r}", "system": "s", "outcome": "failure" if r < 3 else "success"}
        )
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a",
                "kind": "tool",
                "tool": "search",
                "input": f"q{r}-{i}",
            }
            for i in range(1 if r < 3 else 3)
        ]  # failures are the short runs
    ws = wb.open()
    ws.ingest(records, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tu = ThresholdTuner(ws, signal="tool_calls")
        assert "(6 of 6;" in tu.readout.value, tu.readout.value
        assert "sends <b>every run</b> to a human" in tu.readout.value and "max review" in tu.readout.value
        tu.budget.value = 0.5  # a budget set: the over-budget line, or none, speaks instead
        assert "every run</b> to a human" not in tu.readout.value, tu.readout.value
    ws.close()

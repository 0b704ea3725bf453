"""ux28: what the views left unsaid or squeezed on data that is not the simulator's.

- The tuner on a store where every run failed opens on a review budget of a tenth of the runs; on 4 runs no
  threshold keeps within it, and the tuner opened on the highest threshold (25 % of runs sent to a human)
  without a word of why. The readout now says no threshold keeps within the budget, the fewest any sends, and
  what to do; a threshold moved past a budget that can be kept says it is over it.
- The explorer's state table (``snapshot=``) broke its key and step-id columns mid-word ("item_qu|ery",
  "s00|02"): a column of short words keeps each word whole; a column holding a long token (a hash) still
  breaks it anywhere, so the table fits its half (the browser test sees the widths)."""

from __future__ import annotations

import dataclasses
import re
import warnings

import workbench as wb
from workbench.widgets import IncidentExplorer, ThresholdTuner


def _store(n_runs: int, outcome_of) -> wb.Workspace:  # noqa: ANN001
    records: list[dict] = []
    for r in range(n_runs):
        records.append({"record": "run", "run_id": f"r{r}", "system": "s", "outcome": outcome_of(r)})
        records += [
            {
                "run_id": f"r{r}",
                "step_id": f"s{i}",
                "agent": "a" if i % 2 else "b",
                "kind": "tool",
                "tool": "search",
                "input": f"q{r}-{i}",
                "latency_ms": 100 + 10 * i + r,
            }
            for i in range(1 + r % 4)
        ]
    ws = wb.open()
    ws.ingest(records, progress=False)
    return ws


def _tuner(ws: wb.Workspace, **kw: object) -> ThresholdTuner:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ThresholdTuner(ws, **kw)


def _note(tu: ThresholdTuner) -> str:
    m = re.search(r"<div class='wb-tuner-over-budget'[^>]*>(.*?)</div>", tu.readout.value, re.S)
    return re.sub("<[^>]+>", "", m.group(1)) if m else ""


def test_no_threshold_within_the_opening_budget_is_said() -> None:
    ws = _store(4, lambda r: "failure")
    tu = _tuner(ws, signal="tool_calls")
    assert tu.budget.value == 0.1 and tu.point.escalation_rate == 0.25, tu.readout.value
    note = _note(tu)
    assert "No threshold keeps within the 10% review budget" in note, tu.readout.value
    assert "25.0% (1 of 4, at tool_calls ≥ 4)" in note and "Raise max review to at least 25%" in note, note
    tu.budget.value = 0.25  # a budget that can be kept: nothing to say
    assert _note(tu) == "", tu.readout.value
    ws.close()


def test_a_threshold_past_a_budget_that_can_be_kept_says_so() -> None:
    ws = _store(20, lambda r: "failure" if r % 2 else "success")
    tu = _tuner(ws, signal="latency_ms", budget=0.2)
    assert _note(tu) == "" and tu.point.escalation_rate <= 0.2, tu.readout.value
    tu.threshold.value = tu.threshold.min  # every run sent to a human
    assert tu.point.escalation_rate == 1.0
    assert "This threshold sends more runs to a human than the 20% review budget" in _note(tu), (
        tu.readout.value
    )
    ws.close()


@dataclasses.dataclass
class Entry:
    value: object
    src: str
    tainted: bool = False


def test_state_table_keeps_short_words_whole() -> None:
    ws = _store(1, lambda r: "failure")
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    state = {
        "item_query": Entry("ear plugs silicone", "s0002"),
        "checksum": Entry(digest, "s0003", True),
        "<b>x</b>": "<img src=x onerror=alert(1)>",
    }
    ex = IncidentExplorer(ws, blame_model=None, snapshot=lambda run_id, step_id: state)
    ex.show_run("r0")
    table = ex.detail.value.split("state before this step", 1)[1]
    rows = [
        re.findall(r"<td([^>]*)>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    whole = [
        [" wb-word" in attrs.replace("'", " ").replace("class=", " ") for attrs, _ in row] for row in rows
    ]
    # key, src and tainted keep their words whole in every row; value only where no row holds a 64-char token
    assert [w[0] for w in whole] == [True] * 3 and [w[2] for w in whole] == [True] * 3, rows
    assert not any(w[1] for w in whole), rows
    assert ["&lt;b&gt;x&lt;/b&gt;", "&lt;img src=x onerror=alert(1)&gt;"] == [c for _, c in rows[2][:2]], rows
    assert "<img" not in table
    ws.close()


def test_review_load_view_says_why_it_opens_above_a_tenth() -> None:
    # no outcomes (raw AutoGen / Semantic Kernel traces): the view opens where a tenth of the runs go to a human;
    # on 4 runs none does, and it opened on 25 % (1 run: 100 %) without a word
    ws = _store(4, lambda r: "unknown")
    tu = _tuner(ws, signal="latency_ms")
    assert tu.review is not None
    text = re.sub("<[^>]+>", "", tu.readout.value)
    assert "25.0% of runs would go to a human" in text, text
    assert "no threshold on latency_ms sends 10% of the runs or fewer" in text, text
    tu.threshold.value = tu.threshold.min  # moved by hand: the opening note goes
    assert "sends 10% of the runs or fewer" not in tu.readout.value
    ws.close()
    many = _store(20, lambda r: "unknown")
    assert "or fewer" not in _tuner(many, signal="latency_ms").readout.value  # 2 of 20 runs: it opens at 10 %
    many.close()


def test_explorer_header_names_the_system() -> None:
    # a Langfuse export of seven frameworks: the list and header showed only hex run ids
    ws = wb.open()
    ws.ingest(
        [
            {"record": "run", "run_id": "097f1d89", "system": "crewai<b>", "outcome": "unknown"},
            {"run_id": "097f1d89", "step_id": "s0", "agent": "a", "kind": "llm", "output": "x"},
        ],
        progress=False,
    )
    ex = IncidentExplorer(ws, blame_model=None)
    assert (
        "<th style='text-align:left;padding-right:1em'>system</th><td>crewai&lt;b&gt;</td>" in ex.header.value
    )
    ws.close()

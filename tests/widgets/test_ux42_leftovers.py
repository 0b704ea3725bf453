"""ux41's leftovers (ux42), on real framework traces (LangGraph through OpenInference, smolagents' managed agent, a
pydantic-ai delegation): the run list's lines may wrap between their parts (they were cut at the list's edge), a
"no rule" slider ends where its note says (past every value), and a policy's YAML lines wrap under their keys while
the text shown stays the file. (What a browser draws of each: tests/browser/test_ux42_in_lab.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _real_traces import traces_store

import workbench as wb
from workbench.widgets import IncidentExplorer, ThresholdTuner

ZWSP = "\u200b"


@pytest.fixture(scope="module")
def ws() -> wb.Workspace:
    return traces_store()


def test_a_run_line_may_wrap_before_each_part_after_its_time(ws: wb.Workspace) -> None:
    ex = IncidentExplorer(ws, blame_model=None)
    lines = [text for text, _ in ex.runs.options]
    assert len(lines) == 3 and max(map(len, lines)) > 90  # (~100 characters: cut at a 1000 px window)
    for line in lines:
        head, *rest = line.split(f"{ZWSP} · ")
        # the id, the system and the time stay one unbroken head; the outcome and the hits each may start a line
        assert re.fullmatch(r"[0-9a-f]{12}… · [\w-]+ · \d{4}-\d\d-\d\d \d\d:\d\d", head), head
        assert rest[0] in ("failure (silent)", "unknown") and rest[1].startswith("2 hits: "), rest
        assert rest[1].endswith(f"cascade, {ZWSP}silent_failure"), rest  # (and after a detector's comma)
        # read without the break points, the line is what it was
        assert line.replace(ZWSP, "") == " · ".join([head, *rest]).replace(ZWSP, "")


def test_a_break_point_of_the_log_s_own_is_shown_not_taken(ws: wb.Workspace) -> None:
    system = ws.runs().system.iat[0]
    ws.sql("UPDATE runs SET system = ? WHERE system = ?", [f"desk{ZWSP}one", system])
    try:
        ex = IncidentExplorer(ws, blame_model=None)
        line = next(text for text, _ in ex.runs.options if "desk" in text)
        assert "desk<U+200B>one · " in line and line.count(ZWSP) == 3, line
    finally:
        ws.sql("UPDATE runs SET system = ? WHERE system = ?", [system, f"desk{ZWSP}one"])


@pytest.fixture(scope="module")
def tuner(ws: wb.Workspace) -> ThresholdTuner:
    # quote-graph: one run, every latency the same value: the grid was padded a tenth either side of it
    tu = ThresholdTuner(ws, signal="latency_ms", system="quote-graph")
    tu.per_agent.value = True
    return tu


def test_no_rule_sliders_end_at_the_no_review_point_on_one_value(tuner: ThresholdTuner) -> None:
    tu = tuner
    assert tu.current_threshold() == {"researcher": None, "writer": None}
    past = tu._past_every
    assert tu.threshold.max == past and tu.threshold.min < tu.threshold.value < past, tu.threshold
    for s in tu.agent_sliders.children:
        assert s.value == s.max == past and "wb-no-rule" in s._dom_classes, s
    assert f"sit at {past:,.1f}, past every value" in tu.agent_note.value
    # moved a step off that end, an agent has a threshold (it sends its run to a human)
    tu.agent_sliders.children[0].value = past - tu.threshold.step
    assert tu.current_threshold()["researcher"] == pytest.approx(past - tu.threshold.step)
    tu.agent_sliders.children[0].value = past


def test_the_policy_yaml_shown_wraps_under_its_keys_and_is_the_file(
    tuner: ThresholdTuner, tmp_path: Path
) -> None:
    policy = tuner.export_policy(str(tmp_path / "policy.yaml"))
    written = (tmp_path / "policy.yaml").read_text(encoding="utf-8")
    assert max(map(len, written.splitlines())) > 80  # (its note's lines: wider than a 1000 px window's block)
    html = policy._repr_html_()
    blocks = re.findall(
        r"<span style='display:block;padding-left:(\d+)ch;text-indent:-(\d+)ch'>(.*?)</span>", html
    )
    assert len(blocks) == len(written.splitlines())
    for (pad, indent, shown), line in zip(blocks, written.splitlines(), strict=True):
        # each line hangs two characters in from where it starts: a wrapped tail under its key, not at column 0
        assert pad == indent == str(len(line) - len(line.lstrip(" ")) + 2)
        assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'") == line
    assert wb.Policy.from_yaml(written) == policy  # the file loads and validates as it did


def test_hostile_text_in_a_yaml_line_stays_text() -> None:
    policy = wb.Policy(name="<img src=x onerror=alert(1)>")
    html = policy._repr_html_()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_filter_of_no_run_says_what_the_store_holds(ws: wb.Workspace) -> None:
    # (the walk's notebook 01 on real traces of no failed run: "No run matches these filters." over an empty list)
    ex = IncidentExplorer(ws, blame_model=None, filters={"outcome": "success"})
    assert ex.run_id is None and not ex.runs.options
    assert (
        "No run matches these filters: the store holds 3 runs (2 failed, 1 of unknown outcome). Set the filters "
        "back to (any) to list them."
    ) in ex.header.value, ex.header.value
    ex.silent.value = False  # the declared outcomes: the two silent failures said success
    ex.outcome.value = "failure"
    assert "the store holds 3 runs (2 successful, 1 of unknown outcome)" in ex.header.value, ex.header.value

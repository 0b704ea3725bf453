"""walk49: what ``workbench investigate`` said of a log-only verdict on a run of one agent, on two framework logs.

- openai-agents' ``openinference_timeout_handoff``: one agent (triage) whose one model call is the only step the
  model scores (the rest are wrappers): the table read "triage (only agent), step 100% (log)", a share of 100 % that
  reflects no choice at all; it now reads "one candidate step", and ``--json`` says ``scored_steps`` 1.
- langfuse-sdk's ``agents_crash``: the researcher's tool raised "price feed unreachable: 503" and ended the run; the
  table read "step 21% uncertain (log + error)" and the why: line "...; the model agrees": the model agrees on
  the agent only because there is no other, and it scores another step (the model call) highest, which is where the
  21 % comes from. The why: line now says so, naming that step, and ``--json`` gives it as ``model_step``.
- beside them, a run whose log never says how it ended (written here). Beside a table of failed
  runs, "3 runs, 2 failed, 1 of unknown outcome" was all investigate (and ``%workbench investigate``) said of it; the
  way to bring such runs in (label them, investigate again) was said only when no run had failed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest

import workbench as wb
from workbench._cli_report import counts, failed_records
from workbench.cli import main

FIXTURES = Path(__file__).parent / "ingest" / "fixtures"
HANDOFF = FIXTURES / "openai-agents" / "openinference_timeout_handoff.otlp.jsonl"
CRASH = FIXTURES / "langfuse-sdk" / "agents_crash.otlp.jsonl"
# a run that never says how it ended, and has no step in error (one that has is named on a line of its own)
UNKNOWN = {
    "run_id": "quiet",
    "step_id": "s0",
    "agent": "clerk",
    "kind": "llm",
    "input": "say hello",
    "output": "hello there",
    "started_at": "2026-01-01T10:00:00Z",
    "ended_at": "2026-01-01T10:00:01Z",
}
HANDOFF_RUN, CRASH_RUN = "2ca4a5586c73533458f1a8a6855f0d2d", "debdba57d25122eca857e42d8f25a704"


COUNTS: dict[str, int] = {}  # --json's counts of the store, in the fixture


@pytest.fixture(scope="module")
def said(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """investigate on the three logs (the table, at a width that shows every column), and --json's records of the
    store it kept (``failed_records``, what ``--json`` prints, without attributing again)."""
    here = tmp_path_factory.mktemp("walk49_verdicts")
    db, quiet = here / "three.duckdb", here / "quiet.jsonl"
    quiet.write_text(
        json.dumps({"record": "run", "run_id": "quiet", "outcome": "unknown"})
        + "\n"
        + json.dumps(UNKNOWN)
        + "\n"
    )
    table = io.StringIO()
    with mock.patch.dict(os.environ, {"COLUMNS": "250"}), contextlib.redirect_stderr(io.StringIO()):
        with contextlib.redirect_stdout(table):
            assert (
                main(["investigate", str(HANDOFF), str(CRASH), str(quiet), "--db", str(db), "--quiet"]) == 0
            )
    ws = wb.open(str(db), read_only=True)
    try:
        records = json.loads(json.dumps(failed_records(ws, None)))
        COUNTS.update(counts(ws))
    finally:
        ws.close()
    return table.getvalue(), {r["run_id"]: r for r in records}


def test_one_scored_step_reads_as_no_choice(said: tuple[str, dict]) -> None:
    table, records = said
    row = next(line for line in table.splitlines() if line.startswith(HANDOFF_RUN))
    assert "triage (only agent), one candidate step (log)" in row and "100%" not in row, row
    assert '"one candidate step": the model scored one step of the run' in " ".join(table.split()), table
    verdict = records[HANDOFF_RUN]["verdict"]
    assert verdict["scored_steps"] == 1 and verdict["step_confidence"] == 1.0, verdict
    assert verdict["text"] == "triage (only agent), one candidate step (log)", verdict


def test_sole_agent_why_line_names_the_models_own_step(said: tuple[str, dict]) -> None:
    table, records = said
    row = next(line for line in table.splitlines() if line.startswith(CRASH_RUN))
    assert "researcher (only agent), step 21% uncertain (log + error)" in row, row  # (the share, unchanged)
    why = " ".join(table.split("why: " + CRASH_RUN, 1)[1].split("\nnext:")[0].split())
    assert "the model agrees" not in why, why
    assert (
        "the model has no other agent to weigh, and of its steps scores 35b524c7a939c6a4 (llm OpenAI-generation) "
        "highest, not this one: look at both"
    ) in why, why
    verdict = records[CRASH_RUN]["verdict"]
    assert verdict["decisive_step"] == "60110bcdfe962849" and verdict["model_step"] == "35b524c7a939c6a4", (
        verdict
    )
    assert verdict["scored_steps"] == 2, verdict


def test_runs_of_unknown_outcome_beside_failed_ones_get_a_next_step(said: tuple[str, dict]) -> None:
    from workbench._magics import Investigation

    table, _ = said
    flat = " ".join(table.split())
    assert "3 runs, 2 failed, 1 of unknown outcome" in flat, flat
    assert (
        (
            "1 run of unknown outcome is not in the table (the logs do not say whether it failed): label the failed ones in "
            "wb.open("
        )
        in flat
        and 'ws.label(run_id, outcome="failure")' in flat
        and "and investigate again to attribute them" in flat
    )
    assert 'ws.runs(outcome="unknown") lists them' in flat, flat  # (where the ids to label are)
    # --json counts them (runs = failed + succeeded + unknown), which only the table's header did
    assert (COUNTS["runs"], COUNTS["failed"], COUNTS["succeeded"], COUNTS["unknown"]) == (3, 2, 0, 1), COUNTS
    # the magic's view says it too (it said how to label only when no run had failed)
    seen = Investigation(
        where="ws",
        n_runs=3,
        n_failed=2,
        table=pd.DataFrame(),
        truncated=False,
        agreement="",
        note="",
        n_unknown=1,
    )
    assert "and run %workbench investigate again to attribute them" in repr(seen), repr(seen)
    assert "1 run of unknown outcome is not in the table" in seen._repr_html_()


def test_why_lines_follow_the_tables_runs() -> None:
    """The why: lines came in run-id order: with more runs than lines (3), a line named a run the table (25 rows,
    by start time) left out, while a run it showed had none. Now the table's runs come first, in its order."""
    from workbench._investigate import evidence_lines

    ws = wb.open()
    try:
        for run in ("r1", "r2", "r3", "r4"):
            params = {
                "why": f"{run}'s tool raised",
                "evidence": "error",
                "model_agent": "clerk",
                "only_agent": False,
            }
            ws.con.execute(
                "INSERT INTO attributions (run_id, method, unit, target, value, params) "
                "VALUES (?, 'blame_model', 'verdict', 'clerk', 0.8, ?)",
                [run, json.dumps(params)],
            )
        lines = evidence_lines(ws, limit=2, shown=["r4", "r2"])
    finally:
        ws.close()
    assert [line.split(":")[1].strip() for line in lines[:2]] == ["r4", "r2"], lines
    assert lines[2].startswith("why: and 2 more runs"), lines


def test_magic_view_folds_the_legend_in() -> None:
    """%workbench investigate showed the table's cells ("SILENT*", "(log + error)", "one candidate step") with no
    word of what they mean: the command line's legend is folded under the table."""
    from workbench._magics import Investigation

    table = pd.DataFrame(
        {"run": ["r1"], "reported": ["SILENT*"], "culprit": ["clerk (only agent), one candidate step (log)"]}
    )
    page = Investigation(
        where="ws", n_runs=1, n_failed=1, table=table, truncated=False, agreement="", note=""
    )._repr_html_()
    assert "<details><summary>what the columns say</summary>" in page, page
    assert (
        "one candidate step&quot;: the model scored one step of the run" in page
        and "SILENT*: it reported" in page
    )
    assert "known culprit: ground-truth labels" not in page  # (a column the table does not have)

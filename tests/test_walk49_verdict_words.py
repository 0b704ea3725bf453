"""walk49: what ``workbench investigate`` said of a log-only verdict on a run of one agent, on two framework logs.

- openai-agents' ``openinference_timeout_handoff``: one agent (triage) whose one model call is the only step the
  model scores (the rest are wrappers): the table read "triage (only agent), step 100% (log)", a share of 100 % that
  reflects no choice at all; it now reads "one candidate step", and ``--json`` says ``scored_steps`` 1.
- langfuse-sdk's ``agents_crash``: the researcher's tool raised "price feed unreachable: 503" and ended the run; the
  table read "step 21% uncertain (log + error)" and the why: line "...; the model agrees": the model agrees on
  the agent only because there is no other, and it scores another step (the model call) highest, which is where the
  21 % comes from. The why: line now says so, naming that step, and ``--json`` gives it as ``model_step``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from unittest import mock

import pytest

import workbench as wb
from workbench._cli_report import failed_records
from workbench.cli import main

FIXTURES = Path(__file__).parent / "ingest" / "fixtures"
HANDOFF = FIXTURES / "openai-agents" / "openinference_timeout_handoff.otlp.jsonl"
CRASH = FIXTURES / "langfuse-sdk" / "agents_crash.otlp.jsonl"
HANDOFF_RUN, CRASH_RUN = "2ca4a5586c73533458f1a8a6855f0d2d", "debdba57d25122eca857e42d8f25a704"


@pytest.fixture(scope="module")
def said(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    """investigate on the two logs (the table, at a width that shows every column), and --json's records of the
    store it kept (``failed_records``, what ``--json`` prints, without attributing again)."""
    db = tmp_path_factory.mktemp("walk49_verdicts") / "two.duckdb"
    table = io.StringIO()
    with mock.patch.dict(os.environ, {"COLUMNS": "250"}), contextlib.redirect_stderr(io.StringIO()):
        with contextlib.redirect_stdout(table):
            assert main(["investigate", str(HANDOFF), str(CRASH), "--db", str(db), "--quiet"]) == 0
    ws = wb.open(str(db), read_only=True)
    try:
        records = json.loads(json.dumps(failed_records(ws, None)))
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

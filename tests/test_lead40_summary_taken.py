"""The workspace summary says how many runs of another outcome workbench investigate takes as failed: a run that
reported success but a silent failure shows failed read "1 success" there and "failed" everywhere else."""

from __future__ import annotations

from pathlib import Path

import workbench as wb
from workbench._summary import summarize, summary_text

# a real OpenAI Agents run (OpenInference) that reported success; its answer's value is made up upstream
HANDOFFS = (
    Path(__file__).parent / "ingest" / "fixtures" / "openai-agents" / "openinference_handoffs.otlp.jsonl"
)


def test_a_run_taken_as_failed_is_said_beside_its_reported_outcome_and_a_labelled_failure_not_again() -> None:
    # (one store for what were two tests, each ingesting and detecting the run: the second,
    # test_a_labelled_failure_is_not_counted_again, labels it afterwards)
    ws = wb.open()
    ws.ingest(HANDOFFS, progress=False)
    assert summarize(ws).taken == 0 and "taken as failed" not in summary_text(ws)
    wb.detect(ws)
    assert summarize(ws).outcomes == {"success": 1}
    assert summarize(ws).taken == 1
    assert "1 success; 1 of them taken as failed: a silent failure" in summary_text(ws)
    assert 'class="wb-outcome-taken"' in ws._repr_html_()
    # a labelled failure is not counted again
    ws.label(ws.runs()["run_id"].iat[0], outcome="failure")
    assert summarize(ws).outcomes == {"failure": 1} and summarize(ws).taken == 0

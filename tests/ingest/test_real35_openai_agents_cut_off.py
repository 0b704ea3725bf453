"""An OpenAI Agents SDK run cut off by its caller's timeout, traced by OpenInference (openinference-
instrumentation-openai-agents 2.6: fixtures/openai-agents/openinference_timeout_*, README there).

``asyncio.wait_for`` cancels the run and raises ``TimeoutError`` to the caller, but no span says an error: the SDK
ends every open span, the trace's root OK (``on_trace_end``), so the run read ``success`` (real34's rule reads an
OpenInference run as failed only when its last agent is in error). What the spans do say: the run's last step but
agents is a model call that got no answer (no output, no usage: OpenInference writes both for every answer), or
one whose answer asked for a hand-off that never ran. Now such a run is a failure; a run that answered stays a
success (test_real34_openllmetry_openai_agents, test_real34_finished_runs).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _otlp_edits import ingested_whole

FIXTURES = Path(__file__).parent / "fixtures" / "openai-agents"


@pytest.mark.parametrize("name", ["answer", "handoff"])
def test_a_run_its_caller_cut_off_is_a_failure(name: str) -> None:
    ws = ingested_whole(FIXTURES / f"openinference_timeout_{name}.otlp.jsonl")
    assert ws.sql("SELECT outcome, outcome_source FROM runs").fetchall() == [("failure", "root_status")]
    assert ws.sql("SELECT count(*) FROM steps WHERE status = 'error'").fetchall() == [(0,)]

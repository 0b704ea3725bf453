"""A run whose root span carries no input was given what its first model call was handed (real39).

Before: ``pydantic-ai/two_runs_ok`` (a real run, no fault planted: the researcher states 14.2 as its tool said) was
investigated as a silent failure. Its writer runs outside any span of the application's, so it is a trace of its
own, and PydanticAI's agent run span carries no input: the 14.2 the writer was asked to write up ("Write the note
from this plan: ... 14.2 USD") was in no task and no root input, and the writer's answer was "14.2 (unsupported);
first stated by writer" — critical, the run taken as failed. Nothing in the run came before its first model call,
so what that call was handed was given to the run, as a root span's input is.
"""

from __future__ import annotations

from pathlib import Path

import workbench as wb

FIXTURE = Path(__file__).parents[1] / "ingest" / "fixtures" / "pydantic-ai" / "two_runs_ok.otlp.jsonl"
_ASKED = "Write the note from this plan: PLAN DONE: research says ACME closed at 14.2 USD; hand to writer."


def _silent(path: Path) -> list[tuple]:
    ws = wb.open()
    ws.ingest(path, progress=False)
    wb.detect(ws)
    return ws.sql("SELECT agent, severity, detail FROM findings WHERE detector = 'silent_failure'").fetchall()


def test_a_figure_the_run_was_asked_to_write_up_is_not_made_up() -> None:
    assert _silent(FIXTURE) == []


def test_a_figure_the_first_model_call_was_not_handed_is_still_found(tmp_path: Path) -> None:
    # (the same run asked to write up another figure: the writer's 14.2 is its own, and its run said success)
    text = FIXTURE.read_text(encoding="utf-8")
    assert text.count(_ASKED) == 2
    edited = tmp_path / "two_runs_other_figure.otlp.jsonl"
    edited.write_text(text.replace(_ASKED, _ASKED.replace("14.2", "15.3")), encoding="utf-8")
    ((agent, severity, detail),) = _silent(edited)
    assert (agent, severity) == ("writer", "critical") and "final answer 14.2 (" in detail

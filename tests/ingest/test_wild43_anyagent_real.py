"""A real any-agent run (Agno, Mistral; ``fixtures/wild43/any-agent-AGNO_trace.json``, README there): read right,
and not taken for a silent failure (its numbered list's place numbers are no made-up facts).

any-agent's own integration test made it: "find what year it is in the America/New_York timezone, write it to a
file, then return a list of the steps you have taken". The agent did so and returned
``{"steps": [{"number": 1, "description": "Get current time …"}, {"number": 2, "description": "Write the year …"}]}``.
All seven of the traces any-agent keeps for its frameworks (tests/assets/*_trace.json) answer so, and on each the
silent_failure detector says "the final answer 1 (made up upstream); 2 (made up upstream)": the numbers of a
numbered list of steps read as facts the agent made up.
"""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

FIXTURE = Path(__file__).parent / "fixtures" / "wild43" / "any-agent-AGNO_trace.json"


def _store() -> wb.Workspace:
    ws = wb.open()
    report = ws.ingest(FIXTURE, progress=False)
    assert (report.read, report.stored, report.quarantined) == (6, 6, 0)
    return ws


def test_the_real_any_agent_run_is_read_right() -> None:
    ws = _store()
    rows = ws.sql(
        "SELECT step_id, parent_id, agent, kind, tool, model, status, tokens_in, tokens_out "
        "FROM steps ORDER BY seq"
    ).fetchall()
    agent = format(2795294992452118289, "016x")  # the invoke_agent span's integer id, as OTLP writes it
    assert rows[0] == (
        agent,
        None,
        "any_agent",
        "agent",
        None,
        "mistral/mistral-small-latest",
        "unset",
        None,
        None,
    )
    assert [r[1:5] for r in rows[1:]] == [
        (agent, "any_agent", "llm", None),
        (agent, "any_agent", "tool", "get_current_time"),
        (agent, "any_agent", "llm", None),
        (agent, "any_agent", "tool", "write_file"),
        (agent, "any_agent", "llm", None),
    ]
    assert [(r[7], r[8]) for r in rows if r[3] == "llm"] == [(395, 16), (483, 14), (518, 44)]
    assert all(r[6] == "ok" for r in rows[1:])
    ((outcome, attrs),) = ws.sql("SELECT outcome, attributes FROM runs").fetchall()
    assert outcome == "success"  # any-agent returned a final_output: the run declares success
    assert json.loads(json.loads(attrs)["output"])["steps"][1]["number"] == 2


def test_a_numbered_list_of_steps_is_no_made_up_fact() -> None:
    ws = _store()
    found = wb.detect(ws)
    silent = found[found["detector"] == "silent_failure"]
    assert silent.empty, silent["detail"].tolist()

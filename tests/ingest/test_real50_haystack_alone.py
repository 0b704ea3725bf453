"""An Haystack Agent run alone (``agent.run(messages)``, no pipeline nor tool above it) is the agent "agent".

Haystack's tracer names no agent on ``haystack.agent.run`` (deepset-ai/haystack ``components/agents/agent.py``
``_create_agent_span``: max_steps, tools, exit_conditions, state_schema); in a pipeline the component above names
it, offered as a ComponentTool the tool call does. Run alone, nothing does: before, the run and every step of it
were nobody's, so a verdict on such a run named no agent. It is the trace's one agent: read as "agent", as Maple's
Haystack tracer names it (``parent.get("haystack.component.name") or parent.get("gen_ai.tool.name") or "agent"``).
Under a span of the caller's own another agent may be above it: left unnamed. The shape: _haystack_otel.alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _haystack_otel import alone, export  # noqa: E402
from _otlp_json import by_each_reader  # noqa: E402


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("real50") / "alone.otlp.json"
    path.write_text(json.dumps(export([alone("c1" * 16), alone("c2" * 16, under="handle_request")])))
    return by_each_reader(path, (15, 15, 0))


@pytest.mark.parametrize("fast", [True, False])
def test_an_agent_run_alone_is_the_agent_agent(stores: dict, fast: bool) -> None:
    steps = (
        stores[fast]
        .con.execute("SELECT run_id, step_id, kind, agent, tool FROM steps ORDER BY run_id, step_id")
        .fetchall()
    )
    got = {(r[:2], int(s, 16)): (k, a, t) for r, s, k, a, t in steps}
    assert got[("c1", 1)] == ("agent", "agent", None)  # the run alone
    assert {got[("c1", n)][1] for n in range(1, 8)} == {"agent"}  # and every step under it
    assert [got[("c1", n)][2] for n in (4, 5)] == ["fetch_price", "fetch_stock"]
    # under a span of the caller's own: none named (another agent may be above it)
    assert got[("c2", 1)] == ("chain", None, None)
    assert {got[("c2", n)][1] for n in range(1, 9)} == {None}

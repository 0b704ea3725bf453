"""The verdict on a smolagents manager over three managed agents, with fault shapes the older fixtures lacked (real42).

``fixtures/smolagents-order-desk/``: a manager ToolCallingAgent calling the inventory, pricer and shipping agents as
tools and adding up what they said (OpenInference). The README says what was planted in each run, and which agent
and step a right verdict names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _real_desks import desk_store

import workbench as wb
from workbench._investigate import investigate_table

DESK = Path(__file__).parent / "fixtures" / "smolagents-order-desk"
FILES = {
    "cascade": "manager_cascade",
    "storm": "warehouse_storm",
    "slow": "slow_shipping_model",
    "ok": "answered_ok",
}


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


@pytest.fixture(scope="module")
def desk() -> tuple[wb.Workspace, dict[str, str]]:
    """The four runs in one store, detected and attributed as ``workbench investigate`` does."""
    return desk_store({name: DESK / f"{stem}.otlp.jsonl" for name, stem in FILES.items()})


def _findings(ws: wb.Workspace, run: str, severity: str = "info") -> list[tuple]:
    """The run's findings above ``info`` (a cascade's steps built on are listed apart)."""
    return ws.sql(
        "SELECT detector, severity, agent, step_id, detail FROM findings WHERE run_id = ? AND severity <> ? "
        "ORDER BY detector, step_id",
        [run, severity],
    ).fetchall()


def _verdict(ws: wb.Workspace, run: str) -> dict:
    table = investigate_table(ws, None)
    (row,) = table[table["run"] == run].to_dict("records")
    return row


def test_a_wrong_unit_price_cascades_through_shipping_to_the_managers_total(desk) -> None:
    """The pricer's model reads 14.20 as 12.40 and says 124.00 for ten; shipping insures 124.00 (get_insurance's
    input), the manager adds it all up: 151.48. The origin is the pricer's model call."""
    ws, runs = desk
    run = runs["cascade"]
    stated = ws.sql(
        "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'pricer' AND kind = 'llm' "
        "AND contains(output, '12.40') ORDER BY seq LIMIT 1",
        [run],
    ).fetchall()[0][0]
    found = _findings(ws, run)
    assert [f[:4] for f in found] == [
        ("cascade", "critical", "pricer", stated),
        ("silent_failure", "critical", "pricer", stated),
    ]
    assert "made-up value 12.40" in found[0][4] and "manager" in found[0][4] and "shipping" in found[0][4]
    assert "151.48 (unsupported)" in found[1][4]
    insured = ws.sql(
        "SELECT f.step_id FROM findings f JOIN steps s USING (run_id, step_id) WHERE f.run_id = ? "
        "AND f.detector = 'cascade' AND s.tool = 'get_insurance'",
        [run],
    ).fetchall()
    assert len(insured) == 1  # the backend was asked to insure the wrong value
    v = _verdict(ws, run)
    assert v["reported"] == "SILENT*" and v["culprit"].startswith("pricer ") and v["step"] == stated


def test_a_storm_of_warehouse_calls_in_one_agent_is_named_at_its_first_call(desk) -> None:
    ws, runs = desk
    run = runs["storm"]
    calls = ws.sql(
        "SELECT step_id, agent FROM steps WHERE run_id = ? AND kind = 'tool' AND name <> 'FinalAnswerTool' "
        "ORDER BY seq",
        [run],
    ).fetchall()
    checks = [s for s, a in calls if a == "inventory"]
    assert len(checks) == 14
    found = _findings(ws, run)
    assert [f[:3] for f in found] == [("storm", "warning", "inventory")]
    assert found[0][3] == checks[0] and "15 tool calls" in found[0][4]  # its final_answer call counts too
    assert run not in set(investigate_table(ws, None)["run"])  # every figure right: no failed run


def test_a_slow_sub_agent_model_is_a_latency_breach_at_its_calls_and_no_wrong_answer(desk) -> None:
    ws, runs = desk
    run = runs["slow"]
    model_calls = [
        s
        for (s,) in ws.sql(
            "SELECT step_id FROM steps WHERE run_id = ? AND agent = 'shipping' AND kind = 'llm' ORDER BY seq",
            [run],
        ).fetchall()
    ]
    found = _findings(ws, run)
    assert {f[:3] for f in found} == {("latency_breach", "warning", "shipping")}
    assert sorted(f[3] for f in found) == sorted(model_calls) and len(model_calls) == 3
    assert run not in set(investigate_table(ws, None)["run"])


def test_the_clean_run_whose_manager_adds_three_agents_figures_is_flagged_by_nothing(desk) -> None:
    """169.84 = 142.00 (the pricer's 10 × 14.20) + 25.00 shipping + 2.84 insurance: a total of three figures of the
    manager's own input, and a stated subtotal plus two backend numbers."""
    ws, runs = desk
    assert _findings(ws, runs["ok"]) == []
    assert runs["ok"] not in set(investigate_table(ws, None)["run"])

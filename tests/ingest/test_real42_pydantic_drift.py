"""Drift across two batches of a real PydanticAI desk whose researcher changed with a model upgrade (real42).

``fixtures/pydantic-ai-quote-desk/``: the planner delegates to the researcher through a tool; after the upgrade the
researcher looks the price up three times and takes longer. The planner's delegate call runs the researcher, so its
time is the researcher's: the planner did not drift.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import workbench as wb
from workbench._investigate import investigate_table

DESK = Path(__file__).parent / "fixtures" / "pydantic-ai-quote-desk"


pytestmark = pytest.mark.usefixtures("_own_cache")  # (tests/conftest.py)


@pytest.fixture(scope="module")
def desk() -> tuple[wb.Workspace, set[str]]:
    ws = wb.open()
    ws.ingest(DESK / "before_upgrade.otlp.jsonl", progress=False)
    before = set(ws.runs()["run_id"])
    ws.ingest(DESK / "after_upgrade.otlp.jsonl", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, config={"drift_min_runs": 7}, progress=False)
    return ws, set(ws.runs()["run_id"]) - before


def test_the_researcher_drifted_at_the_model_change_and_the_planner_did_not(desk) -> None:
    ws, later = desk
    ((run, agent, severity, detail, attrs),) = ws.sql(
        "SELECT run_id, agent, severity, detail, attributes FROM findings WHERE detector = 'drift'"
    ).fetchall()
    assert (agent, severity) == ("researcher", "warning") and run in later
    assert "gpt-4o-mini → gpt-4o-mini-2026-11" in detail and "tool_calls mean 1 → 3" in detail
    assert set(json.loads(attrs)["metrics"]) == {"tool_calls", "latency_ms"}


def test_the_later_runs_repeat_the_lookup_and_no_answer_is_wrong(desk) -> None:
    ws, later = desk
    found = ws.sql("SELECT run_id, agent, detector FROM findings WHERE detector <> 'drift'").fetchall()
    assert {(a, d) for _, a, d in found} == {("researcher", "loop")} and {r for r, _, _ in found} == later
    assert len(investigate_table(ws, None)) == 0  # every run reported success and nothing says it failed


def test_each_model_call_costs_what_pydantic_ai_priced_it(desk) -> None:
    """PydanticAI writes a model call's price (USD) as ``operation.cost`` on its chat span, for a model it knows
    the price of: gpt-4o-mini's (the calls before the upgrade), none for the upgraded model. drift50: read as no
    cost before."""
    ws, later = desk
    costs = ws.sql(
        "SELECT run_id IN (SELECT unnest($later)) AS late, count(*), count(cost), sum(cost) FROM steps "
        "WHERE kind = 'llm' GROUP BY late ORDER BY late",
        {"later": sorted(later)},
    ).fetchall()
    assert [(late, n == priced) for late, n, priced, _ in costs] == [(False, True), (True, False)]
    assert costs[0][3] == pytest.approx(costs[0][1] * 1.35e-05)

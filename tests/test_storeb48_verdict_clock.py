"""storeb48: a verdict stored by an older release, on its process's local wall clock, never outranks a later one.

Before round 47 ``attributions.created_at`` was the attributing process's local wall clock; mend47 wrote UTC from
then on, but no row says which clock it holds, and a schema step cannot tell them apart either (a store of schema 5
holds both). A verdict given by such a release in Tokyo at 22:00 local (13:00 UTC) outranked one given an hour
later, at 14:00 UTC, by a release writing UTC: the run showed the older culprit for up to the zone's offset. Every
verdict stored now says in its params that its created_at is UTC (``created_at_utc``), and among verdicts of one
rank such a one outranks an unmarked one (store/sql/verdict_rank.sql): in one store, every marked verdict was
stored after every unmarked one. Verdicts of one clock keep their order by time (test_attack47_verdict_clock.py)."""

from __future__ import annotations

import workbench as wb
from workbench._investigate import investigate_table

_RECORDS = [{"record": "run", "run_id": "r1", "outcome": "failure"}] + [
    {"record": "step", "run_id": "r1", "step_id": f"s{i}", "agent": agent, "kind": "llm",
     "started_at": f"2026-01-05T10:00:0{i}Z"}
    for i, agent in enumerate(["planner", "pricer"])
]  # fmt: skip


def test_a_verdict_of_an_older_release_east_of_utc_loses_to_a_later_one() -> None:
    with wb.open() as ws:
        ws.ingest(_RECORDS, progress=False)
        # as an earlier release stored its ablation verdict in Tokyo: the local wall clock, 9 hours ahead of UTC
        ws.sql("INSERT INTO attributions (run_id, method, unit, target, value, params, created_at) VALUES "
               "('r1', 'ablation', 'verdict', 'planner', 1.0, '{\"decisive_step\": \"s0\"}', "
               "timezone('UTC', current_timestamp) + INTERVAL 9 HOUR)")  # fmt: skip
        assert investigate_table(ws, None)["culprit"].tolist() == ["planner 100%"]
        # an hour later, say, by this release: Shapley, pricer
        wb.attribute(ws, "r1", lambda run_id, i: "success" if "pricer" in i.agents else "failure")
        assert investigate_table(ws, None)["culprit"].tolist() == ["pricer 100%"]
        stamps = ws.sql(
            "SELECT DISTINCT params->>'created_at_utc' FROM attributions WHERE method <> 'ablation'"
        )
        assert stamps.fetchall() == [("true",)]

"""real45's LlamaIndex rule for AgentWorkflow steps whose input event was cut at the 4,096-character attribute limit
(``ingest/_workflow_events.py``): ``run_agent_step`` handles the ``AgentSetup`` the ``setup_agent`` step before it
emitted, so it acts for that step's agent, "given after staging" (``_step_agents``). The rule reads the call's staged
steps only, and the stored rules (``store/_stored_rules.py``) do not run it: a trace read in two calls, its later
spans first (a collector's rotated file read after the live one, two files ingested newest first), leaves the
pricer's ``run_agent_step`` and its two model calls with no agent, where one ingest of the same lines (and the two
parts in the other order) name the pricer. attack46's split sweep of real45's gzipped fixtures: 2 of 24 cut/order
pairs differ, both in this file, both later-part-first. attack46's strict xfail; real47 gave the stored rule
(store/sql/stored_agent_of_previous.sql) the cut AgentSetup step."""

from __future__ import annotations

import gzip
from pathlib import Path

import workbench as wb

TRACE = (
    Path(__file__).parent
    / "ingest"
    / "fixtures"
    / "llamaindex-attr-limit-4096"
    / "pricer_shipping_pingpong.otlp.jsonl.gz"
)
RUN_AGENT_STEP = "90ae29b52507ab2c"  # the pricer's AgentWorkflow.run_agent_step (one ingest: agent pricer)


def test_a_cut_workflow_step_read_before_its_setup_step_is_the_pricers(tmp_path: Path) -> None:
    lines = gzip.decompress(TRACE.read_bytes()).decode("utf-8").splitlines(keepends=True)
    (tmp_path / "first.otlp.jsonl").write_text("".join(lines[:43]), encoding="utf-8")
    (tmp_path / "later.otlp.jsonl").write_text("".join(lines[43:]), encoding="utf-8")
    with wb.open() as ws:
        ws.ingest(tmp_path / "later.otlp.jsonl", progress=False)
        ws.ingest(tmp_path / "first.otlp.jsonl", progress=False)
        agents = ws.sql(
            "SELECT agent FROM steps WHERE step_id = $s OR parent_id = $s ORDER BY step_id",
            {"s": RUN_AGENT_STEP},
        ).fetchall()
    assert agents == [("pricer",)] * 3

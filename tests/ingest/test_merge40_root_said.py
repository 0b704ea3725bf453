"""refresh_runs.sql's root_said joins the roots it starts from with the steps once (issue 11): each of its parts
joined run_roots with the steps on its own (five scans of the steps of the affected runs, 1M generated spans:
0.50 CPU s, now 0.41). Every root it reads gives the outcome it gave read alone, in one call with the others."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import workbench as wb

FIXTURES = Path(__file__).parent / "fixtures"
# one of each kind of root root_said reads: an unset GenAI root whose run answered or whose last agent raised,
# OpenLLMetry's gen_ai.task.status, and an OpenAI Agents instrumentation's blind OK
FILES = {
    "otel-genai-openai-agents/answered_ok.otlp.jsonl": ("success", 11),
    "otel-genai-openai-agents/guardrail_tripped.otlp.jsonl": ("failure", 11),
    "openllmetry/langgraph_loop.otlp.jsonl": ("success", 36),
    "openllmetry/openai_agents_tool_crash.otlp.jsonl": ("failure", 12),
    "openai-agents/openinference_tool_crash.otlp.jsonl": ("failure", 17),
    "openai-agents/openinference_handoffs.otlp.jsonl": ("success", 19),
}


def _logged_root_said(ws: wb.Workspace, source: Path) -> str:
    ws.con.execute("CALL enable_logging('QueryLog')")
    try:
        ws.ingest(source, progress=False)
    finally:
        ws.con.execute("CALL disable_logging()")
    stmts = [m for (m,) in ws.con.execute("SELECT message FROM duckdb_logs() WHERE type = 'QueryLog'").fetchall()
             if "TEMP TABLE root_said AS" in m]
    ws.con.execute("CALL truncate_duckdb_logs()")
    assert len(stmts) == 1
    return stmts[0]


def test_every_kind_of_root_reads_as_alone_in_one_call(tmp_path: Path) -> None:
    for name, (outcome, n_steps) in FILES.items():
        ws = wb.open()
        ws.ingest(FIXTURES / name, progress=False)
        assert ws.sql("SELECT outcome, outcome_source, n_steps FROM runs").fetchall() == [
            (outcome, "root_status", n_steps)], name
    folder = tmp_path / "all"
    folder.mkdir()
    for name in FILES:
        shutil.copy(FIXTURES / name, folder / Path(name).name)
    ws = wb.open(tmp_path / "s.duckdb")
    said = _logged_root_said(ws, folder)
    assert sorted(ws.sql("SELECT outcome, n_steps FROM runs").fetchall()) == sorted(FILES.values())
    # The statement's plan, over the store's steps as the merge saw them: the steps are scanned by the roots' one
    # join, the children's, the runs' last steps and the blind OK runs' last agents (four), not twice more.
    ws.con.execute("CREATE OR REPLACE TEMP VIEW affected_steps AS SELECT * FROM steps")
    ws.con.execute("CREATE OR REPLACE TEMP TABLE run_roots AS SELECT run_id, step_id FROM steps "
                   "WHERE parent_id IS NULL")
    plan = "\n".join(text for _, text in ws.con.execute("EXPLAIN " + said).fetchall())
    assert len(re.findall(r"Table: \S*\bsteps\b", plan)) == 4, plan

"""real45's rule for LangSmith model calls exported without their node's run (``list_runs(run_type="llm")``): a
call whose parent run is not *in the file* takes, as its own agent (``agent_own``), the agent its LangGraph metadata
names (``ingest/langsmith.py``: ``orphans = [... if up not in seen]``, ``seen`` this file's runs). The stop note
leaves "a call whose node run arrives in a later file"; the other order differs too: the node's run already
*stored* by an earlier call, the call read next is still an orphan of its file and keeps ``agent_own`` 'generate',
where one call of the same lines (and the node run given in the same file) leaves it NULL, inherited from the node.
The store differs from one ingest of the same lines, either order (attack46's split sweep over the fixtures: both
LangSmith fixtures, at their first line). attack46's strict xfail, passing since real46 (model calls named by their node's metadata are named after
staging, against the stored runs too)."""

from __future__ import annotations

from pathlib import Path

import workbench as wb

RAG = Path(__file__).parent / "ingest" / "fixtures" / "langsmith" / "rag_runs.jsonl"
OWN = "SELECT run_id, step_id, agent, agent_own FROM steps ORDER BY ALL"


def test_a_model_call_read_after_its_stored_node_run_is_stored_as_one_ingest_stores_it(
    tmp_path: Path,
) -> None:
    call, *rest = RAG.read_text(encoding="utf-8").splitlines(keepends=True)  # (line 1: a ChatOpenAI call)
    (tmp_path / "nodes.jsonl").write_text("".join(rest), encoding="utf-8")
    (tmp_path / "call.jsonl").write_text(call, encoding="utf-8")
    with wb.open() as whole:
        whole.ingest(RAG, progress=False)
        expected = whole.sql(OWN).fetchall()
    with wb.open() as split:
        split.ingest(tmp_path / "nodes.jsonl", progress=False)  # the node runs first
        split.ingest(tmp_path / "call.jsonl", progress=False)
        assert split.sql(OWN).fetchall() == expected

"""real47: OTLP files of LangGraph model calls exported without their node's span name each call's agent from its
own metadata, as the Phoenix and LangSmith readers do since real46 (``_step_agents.node_agents``), and store the same
whether the calls and their nodes come in one file, two files or either order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson

FIXTURES = Path(__file__).parent / "fixtures"
# Real captures (each folder's README): OpenInference's and OpenLLMetry's LangChain instrumentation of one LangGraph
# supervisor desk (a researcher and a writer, each a create_react_agent node).
CAPTURES = {
    "openinference": FIXTURES / "langgraph" / "openinference_two_agents.otlp.jsonl",
    "openllmetry": FIXTURES / "openllmetry" / "langgraph_loop.otlp.jsonl",
}


def _is_call(span: dict) -> bool:
    attrs = {a["key"]: next(iter(a["value"].values()), None) for a in span.get("attributes", [])}
    return attrs.get("openinference.span.kind") == "LLM" or attrs.get("gen_ai.operation.name") == "chat"


def _part(source: Path, calls: bool) -> str:
    """The file with only its model calls' spans (an exporter's filter on the LLM spans) or only the others."""
    out = []
    for line in source.read_text().splitlines():
        doc = json.loads(line)
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                ss["spans"] = [sp for sp in ss["spans"] if _is_call(sp) == calls]
        out.append(json.dumps(doc))
    return "\n".join(out) + "\n"


def _steps(ws: wb.Workspace) -> list[tuple]:
    return ws.sql(
        "SELECT run_id, step_id, kind, agent, agent_own FROM steps ORDER BY run_id, step_id"
    ).fetchall()


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("real47_node_calls")
    out = {}
    for name, source in CAPTURES.items():
        out[name] = {}
        for part in ("calls", "nodes"):
            out[name][part] = folder / f"{name}_{part}.otlp.jsonl"
            out[name][part].write_text(_part(source, part == "calls"))
    whole = wb.open()
    whole.ingest(CAPTURES["openinference"], progress=False)
    out["openinference"]["whole"] = _steps(whole)
    return out


# (each reader path once: both hand these spans to the Python mapper, which flags them for the stage's naming)
@pytest.mark.parametrize(
    ("capture", "fast"),
    [("openinference", False), ("openllmetry", True)],
    ids=["openinference-python", "openllmetry-sql"],
)
def test_otlp_model_calls_alone_name_their_agents(
    parts: dict, capture: str, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each call's metadata names its node (``researcher:…|agent:…``: the researcher's loop); with no node span
    above it, that is its agent. On main every call of such a file was nobody's (agent NULL), whichever reader
    path read it: the writer's made-up quote had no agent to blame."""
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", fast)
    ws = wb.open()
    report = ws.ingest(parts[capture]["calls"], progress=False)
    assert (report.stored, report.quarantined) == (report.read, 0)
    rows = ws.sql("SELECT kind, agent, agent_own FROM steps ORDER BY started_at").fetchall()
    named = [a for _, a, _ in rows]
    assert {k for k, _, _ in rows} == {"llm"} and sorted(set(named)) == ["researcher", "writer"], rows
    assert named == sorted(named) and all(
        own == agent for _, agent, own in rows
    )  # (the researcher ran first)


@pytest.mark.parametrize("how", ["calls, nodes", "nodes, calls", "one call"])
def test_otlp_calls_and_their_nodes_store_as_the_whole_file(parts: dict, how: str) -> None:
    """The calls named by their metadata when read first take the name back when their nodes' spans come (a call
    under its node takes the node's agent down the tree, its own agent none), as the whole file stores them."""
    files = parts["openinference"]
    ws = wb.open()
    if how == "one call":
        ws.ingest([files["calls"], files["nodes"]], progress=False)
    else:
        for part in how.split(", "):
            ws.ingest(files[part], progress=False)
    assert _steps(ws) == files["whole"]
    assert ws.sql("SELECT count(*) FROM steps WHERE kind = 'llm' AND agent_own IS NULL").fetchall() == [(4,)]

"""Langfuse trace exports: one observation tree per trace.

Shapes read
-----------
* ``{"trace": {...}, "observations": [...]}``, one per file (Langfuse's export / ``download_traces``);
  also a trace object holding its own ``observations`` list (``GET /api/public/traces/{id}``).
* JSONL with one such object per line.
* A bare JSON list of observations, or an API page ``{"data": [...], "meta": {...}}`` of observations
  or traces.

Every observation becomes one step: ``run_id`` = trace id, ``step_id`` = observation id, ``parent_id`` =
``parentObservationId``. Langfuse's ``type`` gives the kind; when it is the generic ``SPAN``, the OTel
attributes kept in ``metadata`` (often a JSON *string*) decide: ``gen_ai.operation.name``,
``openinference.span.kind``, ``langsmith.span.kind``, LangGraph's ``langgraph_node``. The agent is only set
on spans that declare one (``gen_ai.agent.name``, ``graph.node.id``, an AGENT span's name, a LangGraph node
span, a CrewAI task's agent role, a Microsoft Agent Framework executor hosting an agent, a PydanticAI
``<agent> run`` span); the ingest driver hands it down to descendants. A LangGraph node inside a subgraph
(``langgraph_checkpoint_ns`` ``research_agent:<id>|agent:<id>``) acts for the node running the subgraph,
so the workers of a supervisor keep their names; BeeAI's emitter event spans (``agent.react.update-13``)
are the agent's events, not agents. A top-level ``tools`` node runs the tools of the node run before it. An
agent named only by a generated id (Koog's ``agent.<uuid>``) is named ``agent`` (:class:`_AgentIds`).

Langfuse has no OK status, so a step is ``error`` when ``level`` is ``ERROR`` and ``unset`` otherwise, but for
a root observation whose span attributes say its run ended well (Pydantic AI's ``final_result``, as the OTLP
readers read it: ``_span_outcome.py``), which is ``ok``.
Trace ``scores`` are evaluations, not outcomes: they are kept in the run's attributes and never turned into
an outcome.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from ._adk import event_answer
from ._agent_ids import AgentIds, has_identifier, readable_name
from ._base import Adapter, RecordError, Stage
from ._convention_table import AGENT_NAME_PREFIXES, OI_KINDS, OPERATION_KINDS
from ._depth import depth_error
from ._documents import iter_json
from ._framework_agents import agent_run_span, emitter_event, executor_agent
from ._handoff_tool import handoff_target, unnamed_handoff
from ._json_escapes import unescaped_json_text
from ._langgraph_shape import (
    langgraph_node_actor,
    langgraph_path,
    langgraph_span,
    langgraph_subgraphs,
    langgraph_tool_node,
)
from ._otlp_shapes import json_type
from ._span_outcome import ended_well
from ._span_values import find_logprobs
from ._time_units import epoch_or_iso_ns
from ._values import logprob_stats

# Langfuse observation types with a meaning of their own; SPAN and EVENT say nothing about the work.
_TYPE_KIND = {
    "GENERATION": "llm",
    "EMBEDDING": "llm",
    "TOOL": "tool",
    "AGENT": "agent",
    "CHAIN": "chain",
    "RETRIEVER": "retriever",
    "GUARDRAIL": "system",
    "EVALUATOR": "system",
}
# The OTel GenAI / OpenInference kinds come from the one table of conventions (an unknown or PROMPT
# kind says nothing here: the observation type and LangSmith's kind are tried next).
_OI_KIND = {k: v for k, v in OI_KINDS.items() if v != "other"}
# (looked up lower-cased: MLflow's pass-through operations are upper-case, CHAIN)
_OP_KIND = {k.lower(): v for k, v in OPERATION_KINDS.items()}
_LS_KIND = {"llm": "llm", "tool": "tool", "retriever": "retriever", "chain": "chain", "embedding": "llm"}

# Instrumentation scopes that name the agent framework (checked in order; LLM-client scopes such as
# openinference.instrumentation.litellm say nothing about the framework and are not listed).
_FRAMEWORKS = (
    ("crewai", "crewai"),
    ("openai_agents", "openai-agents"),
    ("google_adk", "google-adk"),
    ("gcp.vertex.agent", "google-adk"),
    ("agent_framework", "microsoft-agent-framework"),
    ("autogen", "autogen"),
    ("smolagents", "smolagents"),
    ("langgraph", "langgraph"),
    ("llama_index", "llama-index"),
    ("pydantic_ai", "pydantic-ai"),
    ("agno", "agno"),
    ("strands", "strands-agents"),
    ("semantic_kernel", "semantic-kernel"),
    ("beeai", "beeai"),
    ("koog", "koog"),
)

_AGENT_NAME_KEYS = ("gen_ai.agent.name", "graph.node.id", "agent.name")
_AGENT_SPAN_NAME = re.compile(
    r"^(?:"
    + "|".join(re.escape(x.strip()) for x in AGENT_NAME_PREFIXES)
    + r")\s+(.+)$|^agent_run\s*\[(.+)\]$"
)
# Agno's (OpenInference) agent and team run spans: ``<name>.run`` (spaces as ``_``), ``Agent.run`` unnamed.
_AGNO_RUN = re.compile(r"^(\S+)\.a?run$")
_CREW_ROLE = re.compile(r"""\brole=(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")
_HANDOFF = re.compile(r"^handoff\b", re.IGNORECASE)

# Attributes already carried by the step's input/output: kept once, not twice.
_DUPLICATE_KEYS = (
    "input.value",
    "output.value",
    "llm.input_messages.",
    "llm.output_messages.",
    "gcp.vertex.agent.llm_request",
    "gcp.vertex.agent.llm_response",
)
_OBS_EXTRA = (
    "version",
    "modelParameters",
    "promptName",
    "promptVersion",
    "completionStartTime",
    "timeToFirstToken",
    "toolCallNames",
    "environment",
)


def _json_dict(value: Any) -> dict | None:
    """A dict, or the dict a JSON string encodes (Langfuse keeps ``metadata`` as a JSON string)."""
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None
    return value if isinstance(value, dict) else None


def _text(value: Any) -> str | None:
    """Text of a field that Langfuse may have JSON-encoded once more (``"\\"hi\\""`` is ``hi``)."""
    if isinstance(value, str) and value.strip().startswith('"'):
        try:
            decoded = orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
        return decoded if isinstance(decoded, str) else value
    return value if value is None or isinstance(value, str) else orjson.dumps(value).decode()


_SNAKE = re.compile(r"[a-z]+(?:_[a-z0-9]+)+")


def _camel(item: Any) -> Any:
    """A trace or observation with its snake_case keys in Langfuse's camelCase (``parent_observation_id`` ->
    ``parentObservationId``), a camelCase key already there winning; anything else as it is. The Python SDK's
    API models dump their fields under their Python names by pydantic's ``model_dump()`` (``.dict()`` and
    ``.json()`` use the API's names): a page of observations saved so read as no format at all."""
    if not isinstance(item, dict) or not any("_" in k for k in item):
        return item
    out = dict(item)
    for key, value in item.items():
        if isinstance(key, str) and _SNAKE.fullmatch(key):
            head, *rest = key.split("_")
            out.setdefault(head + "".join(part.capitalize() for part in rest), value)
    return out


def _is_observation(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and "observations" not in item
        and ("parentObservationId" in item or ("traceId" in item and "type" in item))
    )


def _units(doc: Any) -> list[tuple[dict | None, Any]]:
    """Split a parsed document into ``(trace or None, observations)`` units."""
    if isinstance(doc, list):
        return _units_of_items(doc)
    if not isinstance(doc, dict):
        raise RecordError(f"a JSON {json_type(doc)} is not a Langfuse trace or observation")
    doc = _camel(doc)
    if isinstance(doc.get("trace"), dict) or "observations" in doc:
        trace = _camel(doc["trace"]) if isinstance(doc.get("trace"), dict) else doc
        # The export repeats the observations inside the trace: read them once, top level first.
        obs = doc["observations"] if "observations" in doc else trace.get("observations", [])
        return [(trace, [_camel(o) for o in obs] if isinstance(obs, list) else obs)]
    if isinstance(doc.get("data"), list):
        return _units_of_items(doc["data"])
    if _is_observation(doc):
        return [(None, [doc])]
    raise RecordError("no 'trace' or 'observations' key: not a Langfuse export")


def _units_of_items(items: list) -> list[tuple[dict | None, Any]]:
    units: list[tuple[dict | None, Any]] = []
    loose: list[Any] = []
    for item in items:
        if isinstance(item, dict) and (isinstance(item.get("trace"), dict) or "observations" in item):
            units.extend(_units(item))
        else:
            loose.append(_camel(item))  # observations, or junk that is then rejected one by one
    if loose:
        units.append((None, loose))
    return units


def _attrs(meta: dict) -> dict[str, Any]:
    """One flat view of an observation's metadata: its own keys plus the OTel span attributes."""
    flat = {k: v for k, v in meta.items() if k not in ("attributes", "resourceAttributes", "scope")}
    if isinstance(meta.get("attributes"), dict):
        flat.update(meta["attributes"])
    return flat


def _scope(meta: dict) -> str:
    scope = meta.get("scope")
    return str(scope.get("name") or "") if isinstance(scope, dict) else ""


def _framework(metas: list[dict]) -> str | None:
    scopes = {_scope(m).replace("-", "_") for m in metas} - {""}  # ("pydantic-ai" is pydantic_ai)
    for needle, framework in _FRAMEWORKS:
        # Whole name parts only: "agno" is a framework, "diagnostics" is not.
        pattern = re.compile(rf"(?:^|[._/-]){re.escape(needle)}(?:$|[._/-])")
        if any(pattern.search(scope) for scope in scopes):
            return framework
    if any("langgraph_node" in m for m in metas):
        return "langgraph"
    return None


def _crew_roles(metas: list[dict]) -> dict[str, str]:
    """CrewAI task id -> agent role, from the ``crew_tasks`` attribute of the kickoff span."""
    roles: dict[str, str] = {}
    for meta in metas:
        tasks = _attrs(meta).get("crew_tasks")
        if isinstance(tasks, str):
            try:
                tasks = orjson.loads(tasks)
            except orjson.JSONDecodeError:
                continue
        for task in tasks if isinstance(tasks, list) else ():
            if isinstance(task, dict) and isinstance(task.get("agent_role"), str) and task.get("id"):
                roles[str(task["id"])] = task["agent_role"]
    return roles


def _agent_name(name: str, a: dict, obs: dict, crew_roles: dict[str, str]) -> str | None:
    """The name an agent span gives itself; frameworks each put it somewhere else.

    A generated identifier is passed over for a name a user reads (Agno sets ``graph.node.id`` to a node
    id beside ``agent.name``); a span that names its agent only by one keeps it, for :class:`_AgentIds`.
    """
    for key in _AGENT_NAME_KEYS:
        if isinstance(a.get(key), str) and a[key].strip() and not has_identifier(a[key]):
            return a[key].strip()
    m = _AGENT_SPAN_NAME.match(name)
    if m:
        return (m.group(1) or m.group(2)).strip()
    if name.endswith("._execute_core"):  # CrewAI: the span runs a task for one agent
        m = _CREW_ROLE.search(str(obs.get("input") or a.get("input.value") or ""))
        if m:
            return m.group(1) if m.group(1) is not None else m.group(2)
        if str(a.get("task_id")) in crew_roles:
            return crew_roles[str(a["task_id"])]
        prefix = name[: -len("._execute_core")]
        if prefix not in ("Task", "Agent"):
            return prefix
    m = _AGNO_RUN.match(name)
    if m and str(a.get("openinference.span.kind") or "").upper() == "AGENT":
        return m.group(1).replace("_", " ")
    return name or None


class _AgentIds(AgentIds):
    """:class:`AgentIds` for names that may still be a span's (``invoke_agent <agent id>``)."""

    def base(self, agent: str) -> str:  # noqa: D102
        return readable_name(_AGENT_SPAN_NAME.sub(lambda m: m.group(1) or m.group(2), agent)) or "agent"


def _handoff(tool: Any, args: Any) -> str | None:
    """The agent a hand-off tool's call names ("" when traced without its arguments: named after staging),
    None when the call is no hand-off."""
    text = orjson.dumps(args).decode() if isinstance(args, (dict, list)) else args
    target = handoff_target(tool, text)
    return target if target is not None else "" if unnamed_handoff(tool, text) else None


def _classify(
    obs: dict,
    name: str,
    a: dict,
    top: dict,
    scope: str,
    crew_roles: dict[str, str],
    subgraphs: set[str],
    tool_nodes: dict[str, str],
) -> tuple[str, str | None, bool, str | None]:
    """(kind, agent, is_agent, tool) of one observation."""
    otype = str(obs.get("type") or "").upper()
    op = str(a.get("gen_ai.operation.name") or "").lower()
    node = top.get("langgraph_node")
    kind = (
        _TYPE_KIND.get(otype)
        or _OI_KIND.get(str(a.get("openinference.span.kind") or "").upper())
        or _OP_KIND.get(op)
        or _LS_KIND.get(str(a.get("langsmith.span.kind") or "").lower())
    )
    if isinstance(node, str) and node:
        # A span of a LangGraph node: the node's own span is its actor's, a transfer_to_<agent> tool a hand-off
        own = a.get("gen_ai.agent.name") if isinstance(a.get("gen_ai.agent.name"), str) else None
        lg_kind, lg_agent = langgraph_span(name, kind, own, top, subgraphs)
        if lg_kind in ("agent", "handoff") or lg_agent is not None:
            return lg_kind or "chain", lg_agent, lg_kind == "agent", None
        if lg_kind == "chain" and name == node and langgraph_tool_node(top):
            return (
                "chain",
                tool_nodes.get(str(obs.get("id"))),
                False,
                None,
            )  # a ToolNode: for the agent before it
    if kind in ("agent", "tool") and emitter_event(name, a):
        # BeeAI: one event of the enclosing agent's run or tool call (a call's start / finish / success,
        # typed TOOL), not an agent nor another call: as the OTLP readers read it
        return "chain", None, False, None
    if kind in (None, "chain") and agent_run_span(name, a) is not None:
        return "agent", agent_run_span(name, a), True, None  # PydanticAI before the GenAI conventions
    if kind is None and isinstance(node, str) and ("inputs" in top or node == "tools") and not _hidden(top):
        kind = "tool"  # LangChain tool callback under a LangGraph node (Langfuse types it SPAN)
    if kind is None and isinstance(a.get("gen_ai.tool.name"), str) and a["gen_ai.tool.name"]:
        kind = "tool"  # a tool execution without gen_ai.operation.name (Koog's tool spans)
    if kind is None:
        kind = (
            "system" if scope.startswith("crewai.telemetry") else ("other" if otype == "EVENT" else "chain")
        )
    declared = a.get("gen_ai.agent.name") if isinstance(a.get("gen_ai.agent.name"), str) else None
    if declared is None and kind == "chain":
        declared = executor_agent(a)  # Microsoft Agent Framework: the executor hosting an agent names it
    if _HANDOFF.match(name) and kind in ("tool", "chain", "other"):
        return "handoff", declared, False, None
    if kind == "agent":
        if "openai_agents" in scope and not any(k in a for k in ("graph.node.id", "llm.system")):
            return "chain", None, False, None  # openai-agents' trace span: the workflow, not an agent
        return "agent", _agent_name(name, a, obs, crew_roles), True, None
    if kind == "tool":
        tool = a.get("gen_ai.tool.name") or a.get("tool.name")
        if not isinstance(tool, str) or not tool:
            tool = re.sub(r"^execute_tool\s+|\._use$", "", name) or None
        return "tool", declared, False, tool
    return kind, declared, False, None


def _hidden(meta: dict) -> bool:
    """Whether LangGraph tagged the run as its own plumbing (``langsmith:hidden``: the ChannelWrite that
    stores a node's result, LangGraph.js writes one inside its ToolNode beside each tool): never a tool call."""
    tags = meta.get("tags")
    return isinstance(tags, list) and "langsmith:hidden" in tags


def _agent_ids(observations: list, metas: list[dict]) -> _AgentIds:
    """The trace's agents named only by identifiers, named in the order their agent spans start (an agent's
    outer span first: Koog's ``agent.<id>`` before its ``run.<id>``)."""
    ids = _AgentIds()
    spans = []
    for n, (obs, meta) in enumerate(zip(observations, metas, strict=True)):
        if not isinstance(obs, dict) or not isinstance(obs.get("name"), str):
            continue
        a = _attrs(meta)
        if str(obs.get("type") or "").upper() == "AGENT" or a.get("gen_ai.operation.name") in (
            "invoke_agent",
            "create_agent",
        ):
            spans.append((str(obs.get("startTime") or ""), n, obs, a))
    for _start, _n, obs, a in sorted(spans, key=lambda s: (s[0], s[1])):
        agent = _agent_name(obs["name"], a, obs, {})
        if agent is not None:
            ids.name(agent, a)
    return ids


def _tool_node_actors(observations: list, metas: list[dict], subgraphs: set[str]) -> dict[str, str]:
    """Observation id -> agent, for the spans of a graph's top-level ToolNode: the node that ran before it
    (in a flat ReAct graph, ``agent``; where several agent nodes share one ``tools`` node, the one that
    asked for the tools)."""
    spans = sorted(
        (str(obs.get("startTime") or ""), n, obs, meta)
        for n, (obs, meta) in enumerate(zip(observations, metas, strict=True))
        if isinstance(obs, dict)
        and meta.get("langgraph_node") == obs.get("name")
        and len(langgraph_path(meta)) < 2
    )
    out: dict[str, str] = {}
    last: str | None = None
    for _start, _n, obs, meta in spans:
        if langgraph_tool_node(meta):
            if last is not None:
                out[str(obs.get("id"))] = last
        else:
            last = langgraph_node_actor(meta, subgraphs) or last
    return out


def _number(value: Any, integer: bool = False) -> Any:
    """A count or amount as a number, else None: a malformed usage figure is not worth the whole step."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        return None
    if integer:
        return int(value) if float(value).is_integer() else None
    return value


def _usage(obs: dict) -> tuple[Any, Any]:
    for key in ("usageDetails", "usage"):
        u = obs.get(key)
        if isinstance(u, dict) and u:
            tin = next(
                (u[k] for k in ("input", "prompt_tokens", "input_tokens", "promptTokens") if k in u), None
            )
            tout = next(
                (
                    u[k]
                    for k in ("output", "completion_tokens", "output_tokens", "completionTokens")
                    if k in u
                ),
                None,
            )
            if tin is not None or tout is not None:
                return tin, tout
    if obs.get("promptTokens") or obs.get("completionTokens"):
        return obs.get("promptTokens"), obs.get("completionTokens")
    if obs.get("inputUsage") or obs.get("outputUsage"):
        return obs.get("inputUsage"), obs.get("outputUsage")
    return None, None


def _cost(obs: dict) -> Any:
    details = obs.get("costDetails")
    if isinstance(details, dict) and details.get("total") is not None:
        return _number(details["total"])
    if obs.get("calculatedTotalCost") is not None:
        return _number(obs["calculatedTotalCost"])
    # totalCost is 0 on observations Langfuse could not price: only a positive figure is a claim.
    total = _number(obs.get("totalCost"))
    return total if total else None


def _signals(a: dict, output: Any) -> tuple[Any, Any]:
    conf, ent = a.get("workbench.confidence"), a.get("workbench.entropy")
    if conf is not None and ent is not None:
        return conf, ent
    source = a.get("workbench.logprobs") or a.get("gen_ai.response.logprobs") or find_logprobs(output)
    lp_conf, lp_ent = logprob_stats(source) if source is not None else (None, None)
    return (conf if conf is not None else lp_conf), (ent if ent is not None else lp_ent)


def _step_attributes(obs: dict, a: dict, scope: str, kind: str, tin: Any, tout: Any, cost: Any) -> dict:
    out: dict[str, Any] = {"langfuse.type": obs.get("type")}
    level = obs.get("level")
    if level not in (None, "DEFAULT"):
        out["langfuse.level"] = level
    if obs.get("statusMessage") and level != "ERROR":
        out["langfuse.status_message"] = obs["statusMessage"]
    for key in _OBS_EXTRA:
        value = obs.get(key)
        if value not in (None, "", [], {}) and not (key == "environment" and value == "default"):
            out[f"langfuse.{key}"] = value
    if kind != "llm" and (tin or tout or cost):
        # An agent or chain span that reports usage sums its children's: kept here, not in the token and
        # cost columns, so totals over a run do not count the same tokens twice.
        out["langfuse.usage"] = {"input": tin, "output": tout}
        out["langfuse.cost"] = cost
    if scope:
        out["otel.scope"] = scope
    if isinstance(obs.get("metadata"), str) and not a and obs["metadata"].strip() not in ("", "{}"):
        out["langfuse.metadata"] = obs["metadata"]  # free text, not the usual JSON object: keep it as is
    for key, value in a.items():
        if not key.startswith(_DUPLICATE_KEYS):
            out[key] = value
    return out


def _run_attributes(trace: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("name", "tags", "sessionId", "userId", "release", "version", "environment", "bookmarked"):
        if trace.get(key) not in (None, "", []) and not (key == "environment" and trace[key] == "default"):
            out[key] = trace[key]
    if trace.get("output") is not None:
        out["output"] = _text(trace["output"])
    meta = _json_dict(trace.get("metadata"))
    if meta:
        own = {k: v for k, v in meta.items() if k not in ("attributes", "resourceAttributes", "scope")}
        if own:
            out["metadata"] = own
    given = trace.get("scores") or []
    # (the run record is quarantined, its steps kept: the TypeError failed the whole call)
    if not isinstance(given, list):
        raise RecordError(f"scores is a JSON {json_type(given)}, not a list of score objects")
    scores = [
        {
            k: s.get(k)
            for k in ("name", "value", "stringValue", "dataType", "source", "comment", "observationId")
            if s.get(k) is not None
        }
        for s in given
        if isinstance(s, dict)
    ]
    if scores:
        out["scores"] = scores
    return out


class LangfuseExport(Adapter):
    """Langfuse trace exports: ``{"trace", "observations"}`` files, JSONL of them, observation lists."""

    name = "langfuse"
    description = (
        "Langfuse export: {'trace': {...}, 'observations': [...]} per file or per JSONL line, "
        "or a list / API page of observations"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        """Langfuse objects carry ``projectId``; observations carry ``parentObservationId``."""
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not text.startswith((b"{", b"[")):
            # A JSONL export cut at a byte offset (split -b, tail -c, a log rotated by size) starts with the tail
            # of a trace, which ends as a trace does: judged by the lines after it (one of them a JSON object),
            # that one line is quarantined as any broken line is (it refused the whole file), as the native
            # sniff does
            first, _, head = text.partition(b"\n")
            if not first.rstrip().endswith(b"}") or not re.search(rb"(?m)^[ \t]*\{", head):
                return False
        if b'"projectId"' in head and any(
            k in head for k in (b'"observations"', b'"parentObservationId"', b'"trace"', b'"traceId"')
        ):
            return True
        return (b'"parentObservationId"' in head and b'"traceId"' in head) or (
            b'"parent_observation_id"' in head and b'"trace_id"' in head and b'"project_id"' in head
        )

    def stage(self, path: Path, stage: Stage) -> None:
        """Stage every observation of every trace in ``path``."""
        ordinal = 0
        for line, doc, raw, error in iter_json(path, stage):
            if error is not None:
                stage.reject(line=line, reason=error, raw=raw)
                continue
            try:
                units = _units(doc)
            except RecordError as exc:
                stage.reject(line=line, reason=str(exc), raw=raw if raw is not None else doc)
                continue
            for trace, observations in units:
                if trace is not None and depth_error({k: v for k, v in trace.items() if k != "observations"}):
                    # The trace's own facts are unreadable; its observations are judged one by one.
                    stage.reject(
                        line=line,
                        reason=f"trace {str(trace.get('id'))[:80]}: {depth_error(trace)}",
                        run_id=trace.get("id"),
                    )
                    trace = {"id": trace.get("id")}
                ordinal = self._stage_unit(trace, observations, line, ordinal, stage, raw)

    def _stage_unit(
        self, trace: dict | None, observations: Any, line: int, ordinal: int, stage: Stage, raw: bytes | None
    ) -> int:
        trace_id = trace.get("id") if trace is not None else None
        if not isinstance(observations, list):
            stage.reject(
                line=line,
                reason=f"'observations' is a JSON {json_type(observations)}, not a list",
                raw=raw if raw is not None else trace,
                run_id=trace_id,
            )
            return ordinal
        metas = [(_json_dict(o.get("metadata")) or {}) if isinstance(o, dict) else {} for o in observations]
        framework = _framework(metas)
        crew_roles = _crew_roles(metas)
        subgraphs = langgraph_subgraphs(metas)
        ids = _agent_ids(observations, metas)
        tool_nodes = _tool_node_actors(observations, metas, subgraphs)
        run_ids: set[str] = set()
        for obs, meta in zip(observations, metas, strict=True):
            ordinal += 1
            # Line: the JSONL line, or the observation's position within a single JSON document.
            where = line if raw is not None else ordinal
            deep = depth_error(obs)
            if deep is not None:
                stage.reject(
                    line=where,
                    reason=f"observation {ordinal}: {deep}",
                    run_id=trace_id,
                    step_id=obs.get("id") if isinstance(obs, dict) else None,
                )
                continue
            with stage.guard(where, obs, trace_id, obs.get("id") if isinstance(obs, dict) else None):
                run_id = self._stage_observation(
                    obs, meta, trace_id, ordinal, where, crew_roles, subgraphs, ids, tool_nodes, stage
                )
                if isinstance(run_id, str) and run_id:
                    run_ids.add(run_id)
        if isinstance(trace_id, str) and trace_id:
            try:
                stage.run(
                    run_id=trace_id,
                    line=line,
                    system=framework or trace.get("name"),
                    task=unescaped_json_text(_text(trace.get("input"))),
                    attributes=_run_attributes(trace) or None,
                )
            except RecordError as exc:  # an oversized or undecodable trace input: its steps still stand
                stage.reject(
                    line=line,
                    reason=f"trace {trace_id}: {exc}",
                    raw=raw if raw is not None else trace,
                    run_id=trace_id,
                )
        elif framework:
            for run_id in sorted(run_ids):
                stage.run(run_id=run_id, line=line, system=framework)
        return ordinal

    def _stage_observation(
        self,
        obs: Any,
        meta: dict,
        trace_id: Any,
        ordinal: int,
        where: int,
        crew_roles: dict[str, str],
        subgraphs: set[str],
        ids: _AgentIds,
        tool_nodes: dict[str, str],
        stage: Stage,
    ) -> Any:
        if not isinstance(obs, dict):
            what = (
                "an id, not an object (export with observations expanded)"
                if isinstance(obs, str)
                else f"a JSON {json_type(obs)}, not an object"
            )
            stage.reject(line=where, reason=f"observation {ordinal} is {what}", raw=obs, run_id=trace_id)
            return None
        run_id = trace_id if isinstance(trace_id, str) and trace_id else obs.get("traceId")
        step_id = obs.get("id")
        field = "startTime"
        try:
            # (an epoch number, a ClickHouse dump's milliseconds, told by size as the other span readers do)
            start = epoch_or_iso_ns(obs.get(field))
            field = "endTime"
            end = epoch_or_iso_ns(obs.get(field))
        except (ValueError, OverflowError) as exc:
            stage.reject(
                line=where,
                reason=f"observation {ordinal}: bad timestamp {field} {str(obs.get(field))[:40]!r}: {exc}",
                raw=obs,
                run_id=run_id,
                step_id=step_id,
            )
            return run_id
        name = obs.get("name") if isinstance(obs.get("name"), str) else ""
        a = _attrs(meta)
        scope = _scope(meta)
        kind, agent, is_agent, tool = _classify(obs, name, a, meta, scope, crew_roles, subgraphs, tool_nodes)
        agent = ids.name(agent, a) if agent is not None else None
        tin, tout = (_number(v, integer=True) for v in _usage(obs))
        cost = _cost(obs)
        model = (
            obs.get("model")
            or obs.get("providedModelName")
            or next(
                (
                    a[k]
                    for k in ("gen_ai.response.model", "gen_ai.request.model", "llm.model_name")
                    if isinstance(a.get(k), str) and a[k]
                ),
                None,
            )
        )
        latency = None
        if (start is None or end is None) and isinstance(obs.get("latency"), (int, float)):
            latency = float(obs["latency"]) * 1000.0  # Langfuse reports seconds
        error = obs.get("level") == "ERROR"
        status = (
            "error"
            if error
            else "ok"
            if not obs.get("parentObservationId") and ended_well(a, None)
            else "unset"
        )
        conf, ent = _signals(a, obs.get("output"))
        attributes = _step_attributes(obs, a, scope, kind, tin, tout, cost)
        # (an answer written "I couldn\u0027t …" says its words only once unescaped: _json_escapes)
        output = unescaped_json_text(obs.get("output"))
        if kind == "tool" and (handed := _handoff(tool, obs.get("input"))) is not None:
            # a framework's built-in hand-off tool, as the OTLP readers read it (_handoff_tool): its answer kept
            if output is not None:
                attributes["output.value"] = output
            kind, tool, output = "handoff", None, handed or None
        event = event_answer(output) if kind in ("chain", "agent") else None
        if event is not None:
            # ADK's Event JSON as an agent's output (OpenInference): its text, the event kept (as the OTLP readers)
            output, attributes["output.value"] = event
        stage.step(
            line=where,
            run_id=run_id,
            step_id=step_id,
            raw=obs,
            parent_id=obs.get("parentObservationId"),
            agent=agent,
            is_agent=is_agent,
            kind=kind,
            name=name or None,
            tool=tool,
            model=model,
            start_ns=start,
            end_ns=end,
            latency_ms=latency,
            status=status,
            error=(obs.get("statusMessage") or "ERROR") if error else None,
            input=unescaped_json_text(obs.get("input")),
            output=output,
            tokens_in=tin if kind == "llm" else None,
            tokens_out=tout if kind == "llm" else None,
            cost=cost if kind == "llm" else None,
            confidence=conf,
            entropy=ent,
            order_hint=ordinal,
            attributes=attributes,
        )
        return run_id

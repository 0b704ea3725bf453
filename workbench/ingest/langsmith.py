"""LangSmith run exports: the runs a user already holds in LangSmith, read for a verdict here.

Shapes read (fields as the LangSmith SDK's ``langsmith/schemas.py`` defines ``Run``)
----------------------------------------------------------------------------------
* JSONL of runs, one per line: ``client.list_runs(...)`` each written by ``run.model_dump_json()`` (or
  ``json.dumps(run.dict(), default=str)``); a JSON list of them; the REST API's page ``{"runs": [...],
  "cursors": {...}}`` (``POST /runs/query``).
* A run with its ``child_runs`` nested (``client.read_run(id, load_child_runs=True)``), alone, in a list, or under
  ``"traces"`` (``{"export_metadata", "traces": [...]}``, the stride-nyc ``export_langsmith_traces.py`` layout).

A file is known as runs by a run's ``run_type`` and a key only LangSmith's runs have near the top, or, when a long
first run pushes those past the head, by the keys the SDK writes first (:mod:`._langsmith_sniff`).

A run is ``{"id", "trace_id", "parent_run_id", "dotted_order", "run_type"`` (llm, chain, tool, retriever,
embedding, prompt, parser)``, "name", "start_time", "end_time"`` (ISO text, naive meaning UTC)``, "inputs",
"outputs", "error", "extra": {"metadata", "invocation_params"}, "serialized", "tags", "status",
"prompt_tokens", "completion_tokens", "total_cost", "session_id"}``. The trace is the run's ``trace_id`` (else
the first run of its ``dotted_order``, else the run enclosing it, else itself when it has no parent); the parent
is ``parent_run_id`` (else the run enclosing it).

Each run is read as OpenInference's LangChain instrumentor writes the same run as a span (:mod:`._langsmith_io`)
and then as the other span readers read theirs (:func:`.openinference.stage_span`): LangGraph's
``langgraph_node`` metadata names the agent, a ``tool`` run is a tool call (a ToolMessage of ``status:
"error"`` a failed one), ``error`` makes the step an error (but LangGraph's control flow, ``GraphInterrupt(``,
``Command(``, ``ParentCommand(``, which the instrumentor also leaves OK), model and tokens of ``llm`` runs from
``outputs.llm_output`` or the message's ``usage_metadata``, else LangSmith's own ``prompt_tokens`` /
``completion_tokens``; its ``total_cost`` as the cost. A model call whose node's run is neither in the call's files
nor stored (calls exported alone: ``list_runs(run_type="llm")``) takes the agent its LangGraph metadata names
(``_step_agents.node_agents``, as for any span reader). LangSmith's ``events``
(start, end, error) are timings; a broken stream's ``new_token`` events are its output, ``retry`` events are kept
(:func:`_read_events`). A ``retriever`` run's output is its documents (``{"documents": [...]}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from ._base import Adapter, Stage
from ._documents import iter_placed_items, nested_item_lines
from ._langsmith_io import convert_io, first_count, input_messages, output_messages, token_usage
from ._langsmith_sniff import looks_like_runs
from ._otlp_shapes import json_type
from ._step_sink import StepSink
from ._time_units import epoch_or_iso_ns
from .anyagent import json_start
from .openinference import flatten, stage_span

# A run's own keys near the top of the file: its type, and a key only LangSmith's runs have beside it
_RUN_TYPE = re.compile(rb'"run_type"\s*:\s*"(?:llm|chain|tool|retriever|embedding|prompt|parser)"')
_RUN_KEYS = re.compile(rb'"(?:dotted_order|parent_run_id|trace_id|child_runs|session_id|session_name)"\s*:')
# The OpenInference span kind of each run type (the instrumentor: ``run_type.upper()``, else CHAIN)
_KINDS = {
    "llm": "LLM",
    "chain": "CHAIN",
    "tool": "TOOL",
    "retriever": "RETRIEVER",
    "embedding": "EMBEDDING",
    "prompt": "CHAIN",
    "parser": "CHAIN",
}
# LangGraph's control flow raised through a run, not a failure (the instrumentor's IGNORED_EXCEPTION_PATTERNS)
_CONTROL = re.compile(r"^(?:Command|ParentCommand|GraphInterrupt)\(")
# LangChain's run error: repr(exception), then the traceback (``_get_stacktrace``)
_TRACEBACK = "Traceback (most recent call last)"
_PROMPT_KEYS = ("prompt_tokens", "input_tokens", "prompt_token_count")
_COMPLETION_KEYS = ("completion_tokens", "output_tokens", "candidates_token_count")


def _runs(doc: Any) -> list[Any] | str:
    """The runs a document holds; a reason when it holds none."""
    if isinstance(doc, dict) and "run_type" in doc:
        return [doc]
    for key in ("runs", "traces"):
        if isinstance(doc, dict) and isinstance(doc.get(key), list):
            return doc[key]
    what = (
        f"an object with keys {', '.join(repr(k)[:40] for k in list(doc)[:6])}"
        if isinstance(doc, dict)
        else f"a JSON {json_type(doc)}"
    )
    return f"not a LangSmith run: {what}, where a run is an object with 'id', 'run_type' and 'start_time'"


def _dotted(dotted: Any) -> tuple[str | None, str | None]:
    """(trace id, parent id) a ``dotted_order`` (``<time>Z<run id>.<time>Z<run id>...``) names."""
    if not isinstance(dotted, str) or "Z" not in dotted:
        return None, None
    ids = [part.partition("Z")[2] or None for part in dotted.split(".")]
    return ids[0], ids[-2] if len(ids) > 1 else None


def _tree(run: Any, parent: Any = None, trace: Any = None) -> Iterator[tuple[Any, Any, Any]]:
    """``(run, parent id, trace id)`` of a run and of each run nested in its ``child_runs``, depth first."""
    stack = [(run, parent, trace)]
    while stack:
        item, up, tid = stack.pop()
        if isinstance(item, dict):
            traced, dotted_parent = _dotted(item.get("dotted_order"))
            up = item.get("parent_run_id") or dotted_parent or up
            tid = item.get("trace_id") or traced or tid or (item.get("id") if up is None else None)
            children = item.get("child_runs")
            if isinstance(children, list):
                stack.extend((child, item.get("id"), tid) for child in reversed(children))
        yield item, up, tid


def _cost(value: Any) -> float | None:
    """LangSmith's cost (a Decimal, dumped as text) as a number."""
    try:
        cost = float(Decimal(str(value))) if isinstance(value, (str, int, float)) else None
    except InvalidOperation:
        return None
    return cost if cost is None or cost == cost else None


def _attributes(run: dict[str, Any]) -> dict[str, Any]:
    """The run as the OpenInference LangChain instrumentor's span attributes (``_update_span``)."""
    run_type = str(run.get("run_type") or "").lower()
    name = run.get("name") if isinstance(run.get("name"), str) else ""
    inputs, outputs = run.get("inputs"), run.get("outputs")
    extra = run.get("extra") if isinstance(run.get("extra"), dict) else {}
    meta = extra.get("metadata") if isinstance(extra.get("metadata"), dict) else {}
    kind = "AGENT" if "agent" in name.lower() else _KINDS.get(run_type, "CHAIN")
    a: dict[str, Any] = {
        "openinference.span.kind": kind,
        "input.value": convert_io(inputs),
        "output.value": convert_io(outputs),
    }
    if isinstance(inputs, dict) and isinstance(inputs.get("prompts"), list):
        a["llm.prompts"] = inputs["prompts"]
    flatten(
        {"llm.input_messages": input_messages(inputs), "llm.output_messages": output_messages(outputs)}, out=a
    )
    if run_type == "llm":
        params = extra.get("invocation_params") if isinstance(extra.get("invocation_params"), dict) else {}
        if params:
            a["llm.invocation_parameters"] = orjson.dumps(params, default=str).decode()
        llm_output = outputs.get("llm_output") if isinstance(outputs, dict) else None
        llm_output = llm_output if isinstance(llm_output, dict) else {}
        model = next(
            (
                v
                for v in (
                    llm_output.get("model_name"),
                    llm_output.get("model"),
                    meta.get("ls_model_name"),
                    params.get("model_name"),
                    params.get("model"),
                )
                if isinstance(v, str) and v.strip()
            ),
            None,
        )
        if model:
            a["llm.model_name"] = model.strip()
        if isinstance(meta.get("ls_provider"), str):
            a["llm.provider"] = meta["ls_provider"].lower()
        usage = token_usage(outputs) or {}
        tin, tout = first_count(usage, _PROMPT_KEYS), first_count(usage, _COMPLETION_KEYS)
        # (LangSmith's own counts of the call; on a chain they are its children's summed, so only an llm's)
        a["llm.token_count.prompt"] = tin if tin is not None else run.get("prompt_tokens")
        a["llm.token_count.completion"] = tout if tout is not None else run.get("completion_tokens")
        a["llm.cost.total"] = _cost(run.get("total_cost"))
    if run_type == "llm" and isinstance(run.get("events"), list):
        _read_events(run["events"], a)
    if run_type == "tool":
        serialized = run.get("serialized") if isinstance(run.get("serialized"), dict) else {}
        a["tool.name"] = serialized.get("name") or name or None
        a["tool.description"] = serialized.get("description")
    if meta:
        a["metadata"] = orjson.dumps(meta, default=str).decode()
        session = meta.get("session_id") or meta.get("conversation_id") or meta.get("thread_id")
        if session is not None:
            a["session.id"] = str(session)
    if isinstance(run.get("tags"), list) and run["tags"]:
        a["tag.tags"] = run["tags"]
    for key in ("status", "session_id", "session_name", "reference_example_id", "feedback_stats"):
        if run.get(key) not in (None, "", {}):
            a[f"langsmith.{key}"] = run[key]
    return {k: v for k, v in a.items() if v is not None}


def _read_events(events: list[Any], a: dict[str, Any]) -> None:
    """What a model call's LangSmith ``events`` say beyond its times (LangChain's tracer, tracers/core.py): a
    streamed call that broke off stored no outputs, but its ``new_token`` events hold what the model had said
    (the step's output); ``retry`` events (tenacity's, each ``{"slept", "attempt", "outcome", "exception",
    "exception_type"}``) are kept with the attributes as ``langsmith.retries``."""
    said, retries = [], []
    for ev in events:
        kwargs = ev.get("kwargs") if isinstance(ev, dict) else None
        if not isinstance(kwargs, dict):
            continue
        if ev.get("name") == "new_token" and isinstance(kwargs.get("token"), str):
            said.append(kwargs["token"])
        elif ev.get("name") == "retry":
            retries.append(kwargs)
    if said and a.get("output.value") is None and not any(k.startswith("llm.output_messages.") for k in a):
        a["output.value"] = "".join(said)
    if retries:
        a["langsmith.retries"] = orjson.dumps(retries, default=str).decode()


def _outcome(run: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(status, message, full error) of a run: its ``error``, else OK once it ended."""
    error = run.get("error")
    if isinstance(error, str) and error.strip() and not _CONTROL.match(error):
        head = error.split(_TRACEBACK, 1)[0].strip() or error.strip()
        return "ERROR", head, error if head != error.strip() else None
    if run.get("end_time") or str(run.get("status") or "").lower() == "success":
        return "OK", None, None
    return None, None, None


class LangSmithRuns(Adapter):
    """LangSmith runs: ``list_runs`` dumps (JSON/JSONL), ``/runs/query`` pages, runs with ``child_runs``."""

    name = "langsmith"
    description = (
        "LangSmith run export: runs as the SDK dumps them (id, trace_id, parent_run_id, dotted_order, "
        "run_type, name, start_time, end_time, inputs, outputs, error, extra.metadata), one per JSONL "
        "line, a list, {'runs': [...]}, or nested in 'child_runs'"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        start = json_start(head)
        if start is None:
            return False
        if _RUN_TYPE.search(start) is not None and _RUN_KEYS.search(start) is not None:
            return True
        # (a run whose long inputs push its trace keys past the head: known by one object's first keys)
        return looks_like_runs(head.lstrip(b"\xef\xbb\xbf \t\r\n"))

    def stage(self, path: Path, stage: Stage) -> None:
        sink, traces = StepSink(stage), set()
        try:
            for n, i, doc, raw, error, place in iter_placed_items(path, stage):
                if error is not None:
                    stage.reject(line=n, reason=error, raw=raw)
                    continue
                runs = _runs(doc)
                if isinstance(runs, str):
                    stage.reject(line=n, reason=runs, raw=raw if raw is not None else doc)
                    continue
                # each run at its own line in a pretty-printed page (its nested runs at its line)
                keys = (
                    next((k,) for k in ("runs", "traces") if isinstance(doc, dict) and k in doc)
                    if isinstance(doc, dict) and "run_type" not in doc
                    else None
                )
                lines = (nested_item_lines(place, n, keys, len(runs)) if keys else None) or [n] * len(runs)
                order = (n << 24) + (i or 0) * 65536
                for top, line in zip(runs, lines, strict=True):
                    for run, parent, trace in _tree(top):
                        with stage.guard(line, run):
                            self._run(run, parent, trace, line, order, stage, sink, traces)
                        order += 1
        finally:
            sink.flush()

    @staticmethod
    def _run(
        run: Any,
        parent: Any,
        trace: Any,
        line: int,
        order: int,
        stage: Stage,
        sink: StepSink,
        traces: set[str],
    ) -> None:
        if not isinstance(run, dict):
            stage.reject(line=line, reason=f"run is a JSON {json_type(run)}, not an object", raw=run)
            return
        if trace is None and run.get("id"):
            stage.reject(
                line=line,
                reason=f"run {str(run['id'])[:60]} has a parent_run_id but no trace_id or "
                "dotted_order: its trace is unknown",
                raw=run,
                step_id=str(run["id"]),
            )
            return
        for key in ("start_time", "end_time"):
            try:
                epoch_or_iso_ns(run.get(key))
            except (ValueError, TypeError, OverflowError) as exc:
                stage.reject(
                    line=line,
                    reason=f"run {str(run.get('id'))[:60]}: {key} {str(run[key])[:60]!r} is no time ({exc})",
                    raw=run,
                    run_id=trace if isinstance(trace, str) else None,
                    step_id=run.get("id") if isinstance(run.get("id"), str) else None,
                )
                return
        status, message, full = _outcome(run)
        attrs = _attributes(run)
        if full is not None:
            attrs["exception.stacktrace"] = full
        session = run.get("session_name")
        stage_span(
            stage,
            sink,
            traces,
            line=line,
            order=order,
            raw=run,
            trace_id=trace,
            span_id=run.get("id"),
            parent_id=parent,
            name=run.get("name"),
            attrs=attrs,
            start=run.get("start_time"),
            end=run.get("end_time"),
            status=status,
            message=message,
            events=None,
            kind=None,
            run_facts={"system": session} if isinstance(session, str) and session else None,
        )

"""The OpenAI Agents SDK's own trace items: what its tracing processors export (Python ``openai-agents``, JS
``@openai/agents``).

Each trace and span the SDK records exports as one JSON object (``Trace.export()`` / ``Span.export()``, in JS
``toJSON()``): ``{"object": "trace", "id": "trace_…", "workflow_name", "group_id", "metadata"}`` and
``{"object": "trace.span", "id": "span_…", "trace_id", "parent_id", "started_at", "ended_at", "span_data":
{"type": …}, "error": null | {"message", "data"}}``. A processor that writes them (one a line), a list of them,
or the body the SDK's exporter posts to OpenAI (``{"data": [...]}``) is read here. The span's type says what it
is: ``agent`` (its ``name`` the agent), ``function`` (a tool call: ``name``, ``input`` the arguments as JSON
text, ``output``), ``generation`` (a Chat Completions request: ``input`` / ``output`` messages, ``model``,
``usage``), ``response`` (a Responses API request: only its id and usage are exported), ``handoff``
(``from_agent`` / ``to_agent``), ``guardrail`` (``name``, ``triggered``), ``custom`` (the SDK's own ``task`` /
``turn`` spans, or the app's), ``mcp_tools``, ``transcription`` / ``speech`` / ``speech_group``.

The spans are read as the OpenInference keys they stand for and staged by the shared span reader, so the agent
spans own the steps under them as in any other trace. Run id: the trace id as written (``trace_<32 hex>``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._agents_sdk_spans import PREFIX, error_text, span_fields
from ._base import Adapter, Stage
from ._documents import each_document, iter_items
from ._step_sink import StepSink
from .openinference import stage_span

SYSTEM = "openai-agents"


class OpenAIAgentsTrace(Adapter):
    """The OpenAI Agents SDK's trace and span items (``export()`` / ``toJSON()``): one a line, a list, or
    ``{"data": [...]}``."""

    name = "openai-agents"
    description = (
        "OpenAI Agents SDK trace items: {'object': 'trace.span', 'span_data': {'type': …}} and "
        "{'object': 'trace', 'workflow_name'} (a TracingProcessor's export(), one a line or a list)"
    )

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip()[:8192]
        return (
            start[:1] in (b"{", b"[")
            and b'"object"' in start
            and (
                (b'"trace.span"' in start and b'"span_data"' in start)
                or (b'"trace"' in start and b'"workflow_name"' in start)
            )
        )

    def stage(self, path: Path, stage: Stage) -> None:
        sink, runs = StepSink(stage), set()
        try:
            for n, i, value, raw in each_document(iter_items(path, stage), stage):
                if isinstance(value, dict) and "object" not in value and isinstance(value.get("data"), list):
                    for j, item in enumerate(value["data"]):  # the body the SDK's exporter posts
                        self._item(item, n, j, None, stage, sink, runs)
                else:
                    self._item(value, n, i, raw, stage, sink, runs)
        finally:
            sink.flush()

    @staticmethod
    def _item(
        item: Any, line: int, index: int | None, raw: Any, stage: Stage, sink: StepSink, runs: set[str]
    ) -> None:
        """One trace or span item at ``line`` (``index``: its place in its list, if any)."""
        raw = item if raw is None else raw
        kind = item.get("object") if isinstance(item, dict) else None
        if kind == "trace":
            with stage.guard(line, raw):
                facts = {
                    k: item[k] for k in ("workflow_name", "group_id", "metadata") if item.get(k) is not None
                }
                stage.run(run_id=item.get("id"), line=line, system=SYSTEM, attributes=facts or None)
            return
        if kind != "trace.span" or not isinstance(item.get("span_data"), dict):
            where = "" if index is None else f" (item {index} of the list)"
            stage.reject(
                line=line,
                raw=raw,
                reason=f"not an OpenAI Agents trace item{where}: needs an object "
                'with "object": "trace", or "trace.span" and a span_data object',
            )
            return
        order = (line << 24) + ((index or 0) << 12)
        with stage.guard(line, raw):
            name, attrs = span_fields(item["span_data"])
            if (
                item.get("metadata") is not None
            ):  # the trace's routing keys and the span data's own (newer SDKs)
                attrs[PREFIX + "metadata"] = item["metadata"]
            error = item.get("error")
            if error is not None and not isinstance(error, dict):
                error = {"message": str(error)}
            stage_span(
                stage,
                sink,
                runs,
                line=line,
                order=order,
                raw=raw,
                trace_id=item.get("trace_id"),
                span_id=item.get("id"),
                parent_id=item.get("parent_id"),
                name=name,
                attrs=attrs,
                start=item.get("started_at"),
                end=item.get("ended_at"),
                status="ERROR" if error else "OK",
                message=error_text(error) if error else None,
                events=None,
                kind=None,
                run_facts={"system": SYSTEM},
            )

"""Long single-agent traces as OpenInference span trees (smolagents style), with annotated error spans.

A CodeAgent run: one root CHAIN span, then per step a CHAIN span holding an LLM span (thought and
code) and a TOOL span (its result). Errors are annotated on spans, several per trace, as in
TRAIL-style benchmarks: a tool call that fails, a value the LLM states that no tool output gave,
a tool call repeated after it failed, a code-parsing error the LLM causes. ``write_traces`` writes
the traces and returns the annotations (run_id, span_id, kind) to load with ``ws.label``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

_TOOLS = ("web_search", "visit_webpage", "python_interpreter", "inspect_file")


def _span(
    sid: str,
    parent: str | None,
    name: str,
    kind: str,
    inp: str,
    out: str,
    ms: int,
    status: str = "OK",
    children: list | None = None,
) -> dict:
    return {
        "span_id": sid,
        "parent_span_id": parent,
        "span_name": name,
        "span_kind": "INTERNAL",
        "span_attributes": {"openinference.span.kind": kind, "input.value": inp, "output.value": out},
        "duration": f"PT{ms / 1000:.3f}S",
        "status_code": status,
        "events": [],
        "child_spans": children or [],
    }


def make_trace(i: int, rng: np.random.Generator) -> tuple[dict, list[tuple[str, str]]]:
    """One trace and its annotated error spans [(span_id, kind)]."""
    tid = f"st{i:04d}"
    n_steps = int(rng.integers(12, 30))
    faulty = set(rng.choice(np.arange(1, n_steps), size=int(rng.integers(1, 4)), replace=False).tolist())
    steps, errors, seen = [], [], []
    last_call = None
    for k in range(n_steps):
        sid = f"{tid}-s{k}"
        tool = str(rng.choice(_TOOLS))
        arg = f"query {int(rng.integers(0, 50))}"
        fact = int(rng.integers(100, 9999))
        kind = str(rng.choice(["tool_error", "hallucination", "repeat", "parse"])) if k in faulty else None
        thought = f"Thought: I will call {tool} to find the figure. Code: {tool}('{arg}')"
        result, status = f"Observation: the page says the figure is {fact}.", "OK"
        llm_status = "OK"
        if kind == "tool_error":
            result, status = f"Error: {tool} failed with 404 not found for '{arg}'", "ERROR"
            errors.append((f"{sid}-tool", kind))
        elif kind == "hallucination":
            made_up = fact + int(rng.integers(1, 500))
            thought = f"Thought: the figure is probably {made_up}, I assume that from memory. Code: final({made_up})"
            errors.append((f"{sid}-llm", kind))
        elif kind == "repeat" and last_call is not None:
            tool, arg = last_call
            thought = f"Thought: I will call {tool} to find the figure. Code: {tool}('{arg}')"
            result, status = f"Error: {tool} failed again with timeout for '{arg}'", "ERROR"
            errors.append((f"{sid}-llm", kind))
        elif kind in ("parse", "repeat"):
            thought = "Thought: here is the answer without a code block"
            result, status = "Error in code parsing: regex pattern was not found in the model output", "ERROR"
            llm_status = "OK"
            errors.append((f"{sid}-llm", "parse"))
        elif rng.random() < 0.12:  # harmless, un-annotated noise: a transient failure that is retried fine
            result, status = "Error: rate limit, retrying later", "ERROR"
        last_call = (tool, arg)
        seen.append(fact)
        llm = _span(
            f"{sid}-llm",
            sid,
            "LiteLLMModel.__call__",
            "LLM",
            "\n".join(map(str, seen[-3:])),
            thought,
            int(rng.integers(400, 3000)),
            llm_status,
        )
        tl = _span(f"{sid}-tool", sid, tool, "TOOL", arg, result, int(rng.integers(50, 900)), status)
        steps.append(_span(sid, f"{tid}-root", f"Step {k + 1}", "CHAIN", "", "", 0, children=[llm, tl]))
    root = _span(
        f"{tid}-root", None, "CodeAgent.run", "AGENT", f"Task {i}: find the figure", "done", 0, children=steps
    )
    return {"trace_id": tid, "spans": [root]}, errors


def write_traces(path: Path, n: int, seed: int) -> list[tuple[str, str, str]]:
    """Write ``n`` traces as JSONL to ``path``; return the annotations (run_id, span_id, kind)."""
    rng = np.random.default_rng(seed)
    labels = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            doc, errors = make_trace(i + seed * 10_000, rng)
            fh.write(json.dumps(doc) + "\n")
            labels += [(doc["trace_id"], sid, kind) for sid, kind in errors]
    return labels

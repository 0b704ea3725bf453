"""Digit text read as a number where round 48's "ASCII digits only" (commit 0dc54479: ``str.isdigit`` and ``int``
take any script's digits) did not reach:

- ``_span_values.flat_messages`` (OpenInference's flattened ``llm.input_messages.N.message.*`` keys, both OTLP
  readers): the index is taken when ``index.isdigit()``, so ``llm.input_messages.٠.message.content`` (an Arabic-
  Indic zero) is message 0: its text replaces message 0's own, and the real one is gone from the step (not in its
  input, not in its attributes);
- ``_values.iso_duration_ms`` (an AgentOps / span-tree export's ``duration``): ``\\d`` without ``re.ASCII`` reads
  ``PT٠.٩S`` or full-width ``PT０.９S`` as 0.9 s, where ``"1.5 seconds"`` is quarantined as no ISO-8601 duration;
- ``_fields._int`` / ``_float`` (a native record's counts, cost, latency given as text; both native readers agree):
  ``int("١٢")`` is 12 and ``float("١.٥")`` 1.5, where ``"abc"`` is quarantined as no integer.

attack49's (strict xfails, mended by mend49: ASCII digits only, in each)."""

from __future__ import annotations

import json
from pathlib import Path

from _otlp_json import otlp_span
from test_openinference import span_tree

import workbench as wb


def test_a_message_index_in_another_scripts_digits_replaces_no_message(tmp_path: Path) -> None:
    attrs = {
        "openinference.span.kind": "LLM",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "real question",
        "llm.input_messages.\u0660.message.content": "injected",
    }
    span = otlp_span("0af7651916cd43dd8448eb211c80319c", 1, None, "llm", attrs, 1_760_000_000_000_000_000)
    doc = {
        "resourceSpans": [
            {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "x"}, "spans": [span]}]}
        ]
    }
    path = tmp_path / "oi.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    ws = wb.open()
    ws.ingest(path, progress=False)
    ((inp,),) = ws.sql("SELECT input FROM steps").fetchall()
    assert json.loads(inp)[0]["content"] == "real question"


_DURATIONS = {"arabic-indic": "PT\u0660.\u0669S", "fullwidth": "PT\uff10.\uff19S"}


def test_a_duration_in_another_scripts_digits_is_quarantined(tmp_path: Path) -> None:
    # (a tree a script, a trace each, in one call)
    paths = []
    for script, duration in _DURATIONS.items():
        tree = span_tree(script)
        tree["spans"][0]["child_spans"][0]["child_spans"][1]["duration"] = duration  # (the tool span, tool1)
        paths.append(tmp_path / f"tree-{script}.json")
        paths[-1].write_text(json.dumps(tree), encoding="utf-8")
    ws = wb.open()
    report = ws.ingest(paths, progress=False)
    assert report.quarantined == len(_DURATIONS)
    assert ws.sql("SELECT count(DISTINCT run_id) FROM steps").fetchall() == [(len(_DURATIONS),)]
    assert ws.sql("SELECT run_id FROM steps WHERE step_id = 'tool1'").fetchall() == []


def test_a_native_number_in_another_scripts_digits_is_quarantined(tmp_path: Path) -> None:
    # (a count and a cost in Arabic-Indic digits, each a step of one file beside a good one)
    step = {"record": "step", "run_id": "r1", "agent": "a", "kind": "llm", "output": "x"}
    path = tmp_path / "steps.jsonl"
    path.write_text(
        json.dumps({**step, "step_id": "count", "tokens_in": "\u0661\u0662"})
        + "\n"
        + json.dumps({**step, "step_id": "s2"})
        + "\n"
        + json.dumps({**step, "step_id": "cost", "cost": "\u0661.\u0665"})
        + "\n",
        encoding="utf-8",
    )
    ws = wb.open()
    report = ws.ingest(path, progress=False)
    assert (report.stored, report.quarantined) == (1, 2)
    assert sorted(ws.sql("SELECT step_id FROM quarantine").fetchall()) == [("cost",), ("count",)]

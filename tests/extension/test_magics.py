"""``%load_ext workbench``: the ``%workbench`` magic, run in a real kernel (nbclient) and in-process."""

from __future__ import annotations

import html
from pathlib import Path

import nbformat
import pytest
from _traces import write_otlp, write_sim
from IPython.core.error import UsageError
from nbclient import NotebookClient

PAYLOAD = "<img src=x onerror=alert(1)>"
WIDGET = "application/vnd.jupyter.widget-view+json"


def _html(outputs: list) -> str:
    return "".join(o.get("data", {}).get("text/html", "") for o in outputs)


@pytest.mark.slow
def test_magics_in_a_kernel(tmp_path: Path) -> None:
    write_otlp(tmp_path / "traces.otlp.jsonl", n_traces=6, failing={1, 4})
    write_sim(tmp_path / "sim.jsonl", n_runs=10)
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(src)
            for src in (
                "%load_ext workbench",
                "%workbench open traces.otlp.jsonl",
                "ws",
                # (a log's label, read as given: ws.label refuses an agent the run does not hold)
                f"ws.ingest([{{'record': 'label', 'run_id': sorted(ws.runs(outcome='failure')['run_id'])[0], "
                f"'agent': {PAYLOAD!r}}}], progress=False)\n"
                "%workbench investigate",
                "%workbench investigate sim.jsonl --db sim.duckdb --all",
            )
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    cells = nb.cells
    assert all(o.get("output_type") != "error" for c in cells for o in c.outputs)

    # open: the ingest report, the workspace summary, then the explorer widget as the cell's result.
    opened = cells[1].outputs
    assert "read 60, stored 60 (60 new steps), quarantined 0, runs 6" in _html(opened)
    assert 'data-runs="6"' in _html(opened) and "traces.duckdb" in _html(opened)
    result = [o for o in opened if o["output_type"] == "execute_result"]
    assert len(result) == 1 and WIDGET in result[0]["data"]
    assert (tmp_path / "traces.duckdb").is_file()

    # The workspace as a cell's last expression.
    summary = _html(cells[2].outputs)
    assert '<b class="wb-runs" data-runs="6">6 runs</b>' in summary and "<b>2</b> failure" in summary

    # investigate on the opened workspace: one row per failed run, log text escaped.
    page = _html(cells[3].outputs)
    assert "traces.duckdb: 6 runs, 2 failed" in page
    assert page.count("</tr>") == 1 + 2  # header + the two failed runs
    assert PAYLOAD not in page and html.escape(PAYLOAD) in page

    # investigate PATH --db FILE: ingested first, then the table.
    page = _html(cells[4].outputs)
    assert "sim.duckdb: 10 runs" in page and (tmp_path / "sim.duckdb").is_file()


def test_usage_errors_are_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from IPython.testing.globalipapp import get_ipython

    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "workbench")
    with pytest.raises(UsageError, match="invalid choice: 'frobnicate'"):
        ip.run_line_magic("workbench", "frobnicate")
    with pytest.raises(UsageError, match="the following arguments are required: path"):
        ip.run_line_magic("workbench", "open")
    with pytest.raises(UsageError, match="--as needs a Python name"):
        ip.run_line_magic("workbench", "open x.duckdb --as 1ws")
    with pytest.raises(UsageError, match="needs --db FILE"):
        ip.run_line_magic("workbench", "investigate traces.jsonl")
    import workbench as wb

    with pytest.raises(wb.IngestError, match="missing.otlp.json: no such file"):
        ip.run_line_magic("workbench", "open missing.otlp.json")


def test_investigate_shows_flagged_runs_when_none_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Phoenix span export (JSON array) where every span is OK but one tool, named by the log with
    # markup in it, is called again and again with the same arguments: the magic names the run.
    import json

    from IPython.testing.globalipapp import get_ipython

    def span(n: int, name: str, kind: str, parent: str | None, attrs: dict) -> dict:
        return {
            "name": name,
            "context": {"trace_id": "loopy", "span_id": f"s{n}"},
            "span_kind": kind,
            "parent_id": parent,
            "start_time": f"2026-07-23T00:00:{n:02d}+00:00",
            "end_time": f"2026-07-23T00:00:{n:02d}.5+00:00",
            "status_code": "OK",
            "attributes": attrs,
        }

    spans = [span(1, "agent", "AGENT", None, {})] + [
        span(n, PAYLOAD, "TOOL", "s1", {"tool.name": PAYLOAD, "input.value": "{}"}) for n in range(2, 7)
    ]
    (tmp_path / "spans.json").write_text(json.dumps(spans), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "workbench")
    found = ip.run_line_magic("workbench", "investigate spans.json --db s.duckdb")
    page = found._repr_html_()
    assert "1 run, 0 failed" in page and "flagged by the detectors, not known to have failed" in page
    assert "loopy" in page and "loop" in page and "5 times" in page
    assert PAYLOAD not in page and html.escape(PAYLOAD) in page
    assert "loopy" in repr(found)


def _any_agent_trace(path: Path) -> Path:
    """One any-agent run (its test assets, as the OTel SDK exports them): an ``invoke_agent`` root whose
    status is never set, LLM calls and tool calls under it, every one OK — the logs never say it failed."""
    import base64
    import json

    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import Status, StatusCode

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("any_agent")
    with tracer.start_as_current_span(
        "invoke_agent [any_agent]",
        attributes={"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "any_agent"},
    ):
        for tool in ("get_current_time", "write_file"):
            with tracer.start_as_current_span(
                "call_llm mistral/mistral-small-latest",
                attributes={
                    "gen_ai.operation.name": "call_llm",
                    "gen_ai.request.model": "mistral/mistral-small-latest",
                },
            ) as s:
                s.set_status(Status(StatusCode.OK))
            with tracer.start_as_current_span(
                f"execute_tool {tool}",
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool},
            ) as s:
                s.set_status(Status(StatusCode.OK))
    provider.shutdown()
    doc = MessageToDict(encode_spans(exporter.get_finished_spans()))
    for rs in doc["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    sp[key] = base64.b64decode(sp[key]).hex() if sp.get(key) else ""
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_investigate_says_when_the_logs_do_not_tell_the_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen on any-agent's seven framework traces: `workbench investigate` said "7 of unknown outcome" and how
    # to label them; the magic said only "0 failed … no failed runs", as if every run had succeeded.
    from IPython.testing.globalipapp import get_ipython

    _any_agent_trace(tmp_path / "SMOLAGENTS.otlp.json")
    monkeypatch.chdir(tmp_path)
    ip = get_ipython()
    ip.run_line_magic("load_ext", "workbench")
    found = ip.run_line_magic("workbench", "investigate SMOLAGENTS.otlp.json --db s.duckdb")
    for text in (found._repr_html_(), repr(found)):
        assert "1 run, 0 failed, 1 of unknown outcome" in text
        assert "the logs do not say whether this run failed" in text and "ws.label(" in text

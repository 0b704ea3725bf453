"""Linked traces form the same run whatever the order of their files and however they are split over calls.

The traces are made with the OpenTelemetry SDK as autogen-core 0.7's runtime makes them (each message hop the
root of a new trace, kind PRODUCER with ``messaging.*`` attributes, linked to the sender's ``autogen create``
span), plus a sub-agent called in a new trace (a root linked to the tool span that called it), and written one
trace per OTLP file as the Collector writes them.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from _deep import deep
from _otel_fixtures import collector_style, otlp_request, write_jsonl
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind

import workbench as wb
from workbench.ingest import _driver

_HOP = {"messaging.operation": "publish", "messaging.destination": "group_topic"}


def _spans() -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "team"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("autogen SingleThreadedAgentRuntime")
    agent = {"gen_ai.operation.name": "invoke_agent"}
    with tracer.start_as_current_span("autogen process researcher", kind=SpanKind.CONSUMER):
        with tracer.start_as_current_span(
            "invoke_agent researcher", attributes={**agent, "gen_ai.agent.name": "researcher"}
        ):
            with tracer.start_as_current_span(
                "autogen create output_topic", kind=SpanKind.PRODUCER
            ) as create:
                sent = create.get_span_context()
            with tracer.start_as_current_span(
                "execute_tool delegate",
                attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "delegate"},
            ) as tool:
                called = tool.get_span_context()
    with tracer.start_as_current_span(
        "autogen publish output_topic",
        context=Context(),
        kind=SpanKind.PRODUCER,
        links=[Link(sent)],
        attributes=_HOP,
    ):
        with tracer.start_as_current_span(
            "autogen process writer", kind=SpanKind.CONSUMER, links=[Link(sent)]
        ):
            with tracer.start_as_current_span(
                "invoke_agent writer", attributes={**agent, "gen_ai.agent.name": "writer"}
            ):
                with tracer.start_as_current_span("autogen create reply", kind=SpanKind.PRODUCER) as create2:
                    sent2 = create2.get_span_context()
    with tracer.start_as_current_span(
        "autogen publish reply",
        context=Context(),
        kind=SpanKind.PRODUCER,
        links=[Link(sent2)],
        attributes=_HOP,
    ):
        with tracer.start_as_current_span(
            "chat reviewer-model", attributes={"gen_ai.operation.name": "chat"}
        ):
            pass
    with tracer.start_as_current_span(
        "invoke_agent helper",
        context=Context(),
        links=[Link(called)],
        attributes={**agent, "gen_ai.agent.name": "helper"},
    ):
        with tracer.start_as_current_span("chat helper-model", attributes={"gen_ai.operation.name": "chat"}):
            pass
    with tracer.start_as_current_span("unrelated", context=Context()):
        pass
    return list(exporter.get_finished_spans())


def _hex_links(doc: dict) -> dict:
    import base64

    out = collector_style(doc)
    for rs in out["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for sp in ss["spans"]:
                for link in sp.get("links") or ():
                    for key in ("traceId", "spanId"):
                        link[key] = base64.b64decode(link[key]).hex()
    return out


@pytest.fixture(scope="module")
def trace_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """One OTLP file per trace, in the order the traces began."""
    doc = _hex_links(otlp_request(_spans()))
    rs = doc["resourceSpans"][0]
    ss = rs["scopeSpans"][0]
    by_trace: dict[str, list] = {}
    for sp in ss["spans"]:
        by_trace.setdefault(sp["traceId"], []).append(sp)
    folder = tmp_path_factory.mktemp("traces")
    files = []
    for i, spans in enumerate(
        sorted(by_trace.values(), key=lambda s: min(int(x["startTimeUnixNano"]) for x in s))
    ):
        part = {
            "resourceSpans": [
                {"resource": rs["resource"], "scopeSpans": [{"scope": ss["scope"], "spans": spans}]}
            ]
        }
        files.append(write_jsonl(folder / f"trace{i}.otlp.jsonl", [part]))
    assert len(files) == 5
    return files


def _store(ws: wb.Workspace, own: dict[str, str] | None = None) -> dict[str, list]:
    """The whole store as one call of all files makes it (file, line and creation times aside); with ``own`` (a
    copy's trace ids, each to the id it copies) only the runs of those ids, written with the ids they copy."""
    where = "WHERE run_id IN (SELECT unnest(?::VARCHAR[]))" if own is not None else ""
    q = {
        "runs": f"SELECT * EXCLUDE (source) FROM runs {where}",
        "steps": f"SELECT * EXCLUDE (file) FROM steps {where}",
        "edges": f"SELECT * FROM edges {where}",
        "labels": f"SELECT run_id, agent, outcome FROM labels {where}",
    }
    out: dict[str, list] = {}
    for k, s in q.items():
        rows = ws.sql(s, [list(own)] if own is not None else None).fetchall()
        cells = [[json.dumps(v, default=str) for v in row] for row in rows]
        for mine, theirs in (own or {}).items():
            cells = [[c.replace(mine, theirs) for c in row] for row in cells]
        out[k] = sorted(tuple(row) for row in cells)
    out["quarantine"] = ws.sql("SELECT count(*) FROM quarantine").fetchall()
    return out


def _ingest(files: list[Path], calls: list[list[int]]) -> wb.Workspace:
    ws = wb.open()
    for call in calls:
        report = ws.ingest([files[i] for i in call])
        assert report.read == report.stored and report.quarantined == 0
    return ws


def _copy(files: list[Path], n: int) -> tuple[list[Path], dict[str, str]]:
    """The trace files again, a file each, their traces (and the links between them) made their own: each trace
    id's first byte ``n``. Returns the files and each new trace id to the one it copies."""
    ids = {
        sp["traceId"]
        for f in files
        for rs in json.loads(f.read_text())["resourceSpans"]
        for ss in rs["scopeSpans"]
        for sp in ss["spans"]
    }
    own = {f"{n:02x}{tid[2:]}": tid for tid in ids}
    out = []
    for f in files:
        text = f.read_text()
        for mine, theirs in own.items():
            text = text.replace(theirs, mine)
        out.append(f.with_name(f"copy{n}-{f.name}"))
        out[-1].write_text(text)
    return out, own


def test_the_run_does_not_depend_on_file_order_or_calls(trace_files: list[Path]) -> None:
    # (every file in one call: the store every case below is compared with)
    cases = [[list(range(5))]]
    # one call per file, latest trace first (every trace stored before the one it links to arrives); another order
    # with deep() (its calls are the splits' below: a trace joining a stored run alone, then one joining two)
    cases += [[[i] for i in order] for order in [[4, 3, 2, 1, 0]] + ([[2, 3, 4, 0, 1]] if deep() else [])]
    # and split in two calls, the researcher's trace or the first hop alone (either part first; the unrelated trace 4
    # alone leaves the team's traces to one call, as the whole is read): between them a staged trace links to a
    # stored one and a stored one to a staged one, by a hop's link and by the helper's link to the tool, and runs of
    # both kinds join in one call. The second hop and the helper alone (one link each, of those kinds) with deep().
    for k in (1,):
        for first in itertools.combinations(range(4 if deep() else 2), k):
            rest = [i for i in range(5) if i not in first]
            cases += [[list(first), rest], [rest, list(first)]]
    # (every case a copy of the traces with ids of its own, in one store: its n-th call read in the store's n-th call;
    # a case was a store and calls of its own, the whole too)
    copies = [_copy(trace_files, n) for n in range(1, len(cases) + 1)]
    ws = wb.open()
    for call in range(max(len(c) for c in cases)):
        files = [copies[n][0][i] for n, case in enumerate(cases) if call < len(case) for i in case[call]]
        report = ws.ingest(files)
        assert report.read == report.stored and report.quarantined == 0
    expected = _store(ws, copies[0][1])
    names = dict(
        ws.sql(
            "SELECT name, run_id FROM steps WHERE run_id IN (SELECT unnest(?::VARCHAR[]))",
            [list(copies[0][1])],
        ).fetchall()
    )
    team = names["invoke_agent researcher"]
    assert {names[n] for n in names if n != "unrelated"} == {team} and len(expected["runs"]) == 2
    for (_, own), case in zip(copies[1:], cases[1:], strict=True):
        assert _store(ws, own) == expected, case


def test_a_stored_run_joined_later_keeps_its_label_and_loses_stale_findings(
    trace_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # (read as a large store reads its affected runs' steps: through the runs' rows, which a moved run lacks)
    monkeypatch.setattr(_driver, "SMALL_STORE_STEPS", 0)
    ws = _ingest(trace_files, [[3]])  # the helper, called in a new trace, stored first as a run of its own
    (helper_run,) = ws.sql("SELECT run_id FROM runs").fetchall()[0]
    ws.label(helper_run, outcome="failure", agent="helper")
    ws.sql(
        "INSERT INTO findings (run_id, detector, severity, detail) VALUES (?, 'x', 'warning', 'about the run')",
        [helper_run],
    )
    ws.ingest(trace_files[0])  # the researcher whose tool called it
    (team,) = ws.sql("SELECT run_id FROM steps WHERE name = 'invoke_agent researcher'").fetchall()[0]
    assert ws.sql("SELECT count(*) FROM runs WHERE run_id = ?", [helper_run]).fetchall()[0][0] == 0
    assert ws.sql("SELECT run_id, agent FROM labels").fetchall() == [(team, "helper")]
    assert ws.sql("SELECT count(*) FROM findings WHERE run_id = ?", [helper_run]).fetchall()[0][0] == 0
    assert ws.sql("SELECT outcome, outcome_source FROM runs WHERE run_id = ?", [team]).fetchall()[0] == (
        "failure",
        "label",
    )
    helper = ws.sql(
        "SELECT parent_id, depth, agent, attributes FROM steps WHERE name = 'chat helper-model'"
    ).fetchall()[0]
    assert helper[1] == 4 and helper[2] == "helper"
    assert json.loads(helper[3])["otel.trace_id"] == helper_run
    tool = ws.sql("SELECT step_id FROM steps WHERE name = 'execute_tool delegate'").fetchall()[0][0]
    assert ws.sql("SELECT parent_id FROM steps WHERE name = 'invoke_agent helper'").fetchall()[0][0] == tool
    assert (team, tool, "parent") in {(r, s, k) for r, s, _, k in ws.sql("SELECT * FROM edges").fetchall()}


def test_the_move_is_undone_with_a_failed_call(
    trace_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = _ingest(trace_files, [[1], [2]])  # two hops, stored as their own runs (their sender not read yet)
    before = _store(ws)

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    # (the report's counts, late in the merge: the rejects' raw text, broken here before, is left out of a
    # call that rejects nothing)
    monkeypatch.setattr(_driver, "_counts", fail)
    with pytest.raises(wb.IngestError):
        ws.ingest(trace_files[0])
    assert _store(ws) == before

"""Which finding leads, for a run of unknown outcome whose answer may be wrong (a silent_failure, a
warning) and whose tool failed four times before a call made again succeeded (a retry, critical: past
max_retries, yet recovered). `workbench investigate` lists the run with its worst finding, and the
IncidentExplorer lists the run's findings: the answer that may be wrong explains a failure, a retry that
recovered does not, so the silent failure leads in both. The fixture is the shape semantic-kernel's
GenAI diagnostics wrote for a real AgentGroupChat (real12): the stock of WID-7 at two warehouses
(120 at LIS, 80 at OPO), the writer's answer giving 210 at OPO."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench.detect import detect

T0 = 1_796_131_000_000_000_000
MS = 1_000_000
STOCK = (
    '{"sku": "WID-7", "warehouse": "LIS", "units": 120}',
    '{"sku": "WID-7", "warehouse": "OPO", "units": 80}',
)


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def write_run(path: Path, writer_says: str, failures: int) -> None:
    spans: list[dict] = []

    def span(
        parent: str | None, name: str, start: int, end: int, attrs: dict, status: dict | None = None
    ) -> str:
        sid = f"{len(spans) + 1:016x}"
        s = {
            "traceId": "5c0ffee4c8eeb9b0386aaa4f3c8171ec",
            "spanId": sid,
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(T0 + start * MS),
            "endTimeUnixNano": str(T0 + end * MS),
            "attributes": [_attr(k, v) for k, v in attrs.items()],
            "status": status or {},
        }
        if parent:
            s["parentSpanId"] = parent
        spans.append(s)
        return sid

    def agent(parent: str, name: str, start: int, end: int, says: str) -> str:
        return span(
            parent,
            f"invoke_agent {name}",
            start,
            end,
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": name,
                "gen_ai.input.messages": "[]",
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": says, "name": name}]),
            },
        )

    def tool(parent: str, start: int, warehouse: str, result: str | None) -> None:
        attrs = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "Inventory-get_stock",
            "gen_ai.tool.call.id": f"call_{start}",
            "gen_ai.tool.call.arguments": json.dumps({"sku": "WID-7", "warehouse": warehouse}),
        }
        if result is None:
            span(
                parent,
                "execute_tool Inventory-get_stock",
                start,
                start + 4,
                attrs,
                {
                    "message": "RuntimeError: inventory service unavailable (HTTP 503)",
                    "code": "STATUS_CODE_ERROR",
                },
            )
        else:
            span(
                parent,
                "execute_tool Inventory-get_stock",
                start,
                start + 4,
                {**attrs, "gen_ai.tool.call.result": result},
            )

    root = span(None, "handle_request inventory", 0, 300, {})
    analyst = agent(root, "analyst", 1, 200, "Inventory check done for WID-7 at LIS and OPO.")
    for i in range(failures):  # the inventory service fails; the same call made again succeeds at last
        tool(analyst, 10 + 6 * i, "LIS", None)
    for i, (warehouse, result) in enumerate(zip(("LIS", "OPO"), STOCK, strict=True)):
        tool(analyst, 100 + 20 * i, warehouse, result)
    agent(root, "writer", 201, 299, writer_says)
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "unknown_service:python")]},
                "scopeSpans": [{"scope": {"name": "app"}, "spans": spans}],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> wb.Workspace:
    """The run, detected: one store both tests read (neither writes to it; a store and a detect each before,
    suite54)."""
    path = tmp_path_factory.mktemp("ux14") / "sk_retries.otlp.jsonl"
    write_run(path, "WID-7: 120 units in stock at LIS and 210 units at OPO.", failures=4)
    ws = wb.open()
    assert ws.ingest(path, progress=False).quarantined == 0
    found = detect(ws)
    assert ws.sql("SELECT reported_outcome FROM runs").fetchall() == [("unknown",)]
    hits = sorted(zip(found.detector, found.severity, strict=True))
    assert hits == [("retry", "critical"), ("silent_failure", "warning")], hits
    assert json.loads(found.loc[found.detector == "retry", "attributes"].iat[0])["recovered"] is True
    return ws


def test_investigate_shows_the_suspect_answer_before_a_recovered_retry(store: wb.Workspace) -> None:
    from workbench._flagged import flagged_runs

    [(_, outcome, _, detectors, worst)] = flagged_runs(store, None)
    assert (outcome, detectors) == ("unknown", "retry, silent_failure")
    assert worst.startswith("outcome not reported; the final answer 210 (unsupported)"), worst


def test_explorer_lists_the_suspect_answer_first(store: wb.Workspace) -> None:
    from workbench.widgets import IncidentExplorer

    ex = IncidentExplorer(store, blame_model=None)
    html = ex.findings.value
    assert "silent_failure" in html and "retry" in html
    assert html.index("silent_failure") < html.index("retried"), html

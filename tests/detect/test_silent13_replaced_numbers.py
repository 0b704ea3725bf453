"""silent_failure on a run of unknown outcome whose answer quotes one of the backend's numbers and gives
its own in place of another. The fixture is the shape semantic-kernel 1.45's GenAI diagnostics wrote for a
real AgentGroupChat (real12's OTLP JSON): an app span with no status over ``invoke_agent analyst``, whose
``execute_tool Inventory-get_stock`` returns the stock of WID-7 at two warehouses (120 at LIS, 80 at OPO),
and ``invoke_agent writer``, whose reply is the answer. Replies live on the ``invoke_agent`` spans only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import workbench as wb
from workbench.detect import detect

T0 = 1_796_131_000_000_000_000
MS = 1_000_000
AGENT = "semantic_kernel.utils.telemetry.agent_diagnostics.decorators"
TOOL = "semantic_kernel.functions.kernel_function"
MODEL = "semantic_kernel.utils.telemetry.model_diagnostics.decorators"


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def _write(
    path: Path,
    writer_says: str,
    stock: tuple[str, str],
    root_status: dict | None = None,
    fail_first: bool = False,
) -> None:
    spans: list[tuple[str, dict]] = []

    def span(
        parent: str | None,
        name: str,
        start: int,
        end: int,
        attrs: dict,
        scope: str,
        status: dict | None = None,
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
            "status": (root_status or {}) if parent is None else (status or {}),
        }
        if parent:
            s["parentSpanId"] = parent
        spans.append((scope, s))
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
                "gen_ai.agent.id": f"{name}-0c7e-4f1b-9c51-2d06475af1b4",
                "gen_ai.input.messages": "[]",
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": says, "name": name}]),
            },
            AGENT,
        )

    def chat(parent: str, start: int) -> None:
        span(
            parent,
            "chat gpt-4o-mini",
            start,
            start + 10,
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.system": "openai",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.response.id": f"chatcmpl-{start}",
                "gen_ai.usage.input_tokens": 170,
                "gen_ai.usage.output_tokens": 25,
            },
            MODEL,
        )

    root = span(None, "handle_request inventory", 0, 200, {}, "app")
    analyst = agent(root, "analyst", 1, 120, "Inventory check done for WID-7 at LIS and OPO.")
    chat(analyst, 3)
    if fail_first:  # the inventory service fails once; the call made again succeeds (a retry, recovered)
        span(
            analyst,
            "execute_tool Inventory-get_stock",
            14,
            18,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "Inventory-get_stock",
                "gen_ai.tool.call.id": "call_inv_failed",
                "gen_ai.tool.call.arguments": json.dumps({"sku": "WID-7", "warehouse": "LIS"}),
            },
            TOOL,
            {
                "message": "RuntimeError: inventory service unavailable (HTTP 503)",
                "code": "STATUS_CODE_ERROR",
            },
        )
    for i, (warehouse, result) in enumerate(zip(("LIS", "OPO"), stock, strict=True)):
        span(
            analyst,
            "execute_tool Inventory-get_stock",
            20 + 20 * i,
            30 + 20 * i,
            {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": "Inventory-get_stock",
                "gen_ai.tool.call.id": f"call_inv{i}",
                "gen_ai.tool.call.result": result,
                "gen_ai.tool.call.arguments": json.dumps({"sku": "WID-7", "warehouse": warehouse}),
            },
            TOOL,
        )
    chat(analyst, 80)
    chat(agent(root, "writer", 121, 199, writer_says), 123)
    scopes: dict[str, list[dict]] = {}
    for scope, s in spans:
        scopes.setdefault(scope, []).append(s)
    doc = {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attr("service.name", "unknown_service:python")]},
                "scopeSpans": [{"scope": {"name": n}, "spans": sp} for n, sp in scopes.items()],
            }
        ]
    }
    path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


STOCK = (
    '{"sku": "WID-7", "warehouse": "LIS", "units": 120}',
    '{"sku": "WID-7", "warehouse": "OPO", "units": 80}',
)


def _silent(tmp_path: Path, says: str, stock: tuple[str, str] = STOCK, root_status: dict | None = None):  # noqa: ANN202
    path = tmp_path / "sk_two_warehouses.otlp.jsonl"
    _write(path, says, stock, root_status)
    ws = wb.open()
    assert ws.ingest(path).quarantined == 0
    found = detect(ws, detectors=["silent_failure"])
    return ws, found


def test_answer_quoting_one_backend_number_and_replacing_another_is_a_warning(tmp_path: Path) -> None:
    ws, found = _silent(tmp_path, "WID-7: 120 units in stock at LIS and 210 units at OPO.")
    assert ws.sql("SELECT reported_outcome FROM runs").fetchall() == [("unknown",)]
    assert list(zip(found.agent, found.severity, strict=True)) == [("writer", "warning")]
    assert found.detail.iat[0].startswith(
        "outcome not reported; the final answer 210 (unsupported); first stated by writer"
    )
    assert json.loads(found.attributes.iat[0])["values"] == ["210"]


LEFT_ALONE = [
    "WID-7: 120 units in stock at LIS and 80 units at OPO.",  # grounded
    "WID-7: 120 units at LIS and 80 units at OPO, 200 units in all.",  # a sum of the backend's
    "WID-7: 120 units at LIS (about 3 pallets), 80 units at OPO (2 pallets).",  # small counts in prose
    "WID-7: 120 units at LIS and 80 at OPO; restock in 14 days.",  # another kind of figure
    "WID-7: 120 units at LIS, 80 units at OPO; we expect 150 units at OPO next week.",  # both quoted
]


def found_each(
    folder: Path, cases: dict[str, tuple[str, tuple[str, str], dict | None]]
) -> dict[str, pd.DataFrame]:
    """Each case's run (``(writer_says, stock, root_status)``) as a trace of its own (its id told apart), read in one
    call and detected once (a run's findings come from its own steps: a store each, as until suite49, found the
    same): per case, its run's silent_failure findings."""
    paths = {}
    for n, (key, (says, stock, root_status)) in enumerate(cases.items()):
        paths[key] = folder / f"sk_two_warehouses_{n}.otlp.jsonl"
        _write(paths[key], says, stock, root_status)
        paths[key].write_text(
            paths[key]
            .read_text("utf-8")
            .replace("5c0ffee4c8eeb9b0386aaa4f3c8171ec", f"5c0ffee4c8eeb9b0386aaa4f3c8171{n:02x}"),
            "utf-8",
        )
    ws = wb.open()
    assert ws.ingest([str(p) for p in paths.values()]).quarantined == 0
    found = detect(ws, detectors=["silent_failure"])
    out = {}
    for key, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        out[key] = found[found.run_id == run].reset_index(drop=True)
    ws.close()
    return out


# the backend in prose, the answer with the unit before a key: "units_in_stock" counts units too
LABELS = (
    "WID-7: 120 units at LIS and 95 units at OPO.",
    ("WID-7 at LIS: 120 units", '{"sku": "WID-7", "warehouse": "OPO", "units_in_stock": 80}'),
    None,
)
REPORTED_OK = ("WID-7: 120 units at LIS, 80 at OPO; restock in 14 days.", STOCK, {"code": "STATUS_CODE_OK"})


@pytest.fixture(scope="module")
def left_alone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The answers left alone, and the runs of the two tests after them (suite54: a store and a detect each
    before), in one store: per case, its run's silent_failure findings."""
    cases = {says: (says, STOCK, None) for says in LEFT_ALONE}
    return found_each(
        tmp_path_factory.mktemp("left_alone"), {**cases, "labels": LABELS, "reported_ok": REPORTED_OK}
    )


@pytest.mark.parametrize("says", LEFT_ALONE)
def test_answer_repeating_the_backend_and_adding_another_kind_of_figure_is_left_alone(
    left_alone: dict[str, pd.DataFrame], says: str
) -> None:
    assert left_alone[says].to_dict("records") == []


def test_labels_are_read_from_keys_and_units_alike(left_alone: dict[str, pd.DataFrame]) -> None:
    found = left_alone["labels"]  # (LABELS)
    assert list(found.severity) == ["warning"] and "95 (unsupported)" in found.detail.iat[0]


def test_a_reported_success_reports_every_problem_as_before(left_alone: dict[str, pd.DataFrame]) -> None:
    found = left_alone["reported_ok"]  # (REPORTED_OK)
    assert list(found.severity) == ["critical"] and "14 (" in found.detail.iat[0]


def test_flagged_runs_show_the_suspect_answer_before_a_recovered_retry(tmp_path: Path) -> None:
    # `investigate` lists a run of unknown outcome among the flagged runs with its worst finding: both
    # findings are warnings, and the retry's step comes first; the answer that may be wrong is what to show
    from workbench._flagged import flagged_runs

    path = tmp_path / "sk_two_warehouses.otlp.jsonl"
    _write(path, "WID-7: 120 units in stock at LIS and 210 units at OPO.", STOCK, fail_first=True)
    ws = wb.open()
    ws.ingest(path)
    found = detect(ws)
    assert sorted(zip(found.detector, found.severity, strict=True)) == [
        ("retry", "warning"),
        ("silent_failure", "warning"),
    ]
    [(_, outcome, _, detectors, worst)] = flagged_runs(ws, None)
    assert (outcome, detectors) == ("unknown", "retry, silent_failure")
    assert worst.startswith("outcome not reported; the final answer 210 (unsupported)")

"""silent_failure on a run whose outcome nobody reported: most OTel root spans leave their status unset.

The fixture is the shape semantic-kernel 1.45's GenAI diagnostics wrote for a real AgentGroupChat (OTLP
JSON): an app span ``handle_request inventory`` with no status over ``invoke_agent analyst`` (its
``execute_tool Inventory-get_stock`` fails once with HTTP 503, then returns 120 units) and ``invoke_agent
writer``, whose reply states 210 units. The replies live on the ``invoke_agent`` spans only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb
from workbench._failed import taken_as_failed
from workbench._flagged import flagged_runs
from workbench.detect import detect

T0 = 1_796_131_000_000_000_000
MS = 1_000_000
GROUNDED = "Customer update: WID-7 is available, 120 units in stock at our Lisbon warehouse."
MADE_UP = "Customer update: WID-7 is available, 210 units in stock at our Lisbon warehouse."


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


class _Trace:
    def __init__(self) -> None:
        self.spans: list[dict] = []

    def span(
        self,
        parent: str | None,
        name: str,
        start: int,
        end: int,
        attrs: dict,
        scope: str,
        status: dict | None = None,
    ) -> str:
        sid = f"{len(self.spans) + 1:016x}"
        span = {
            "traceId": "2baadd4c8eeb9b0386aaa4f3c8171ece",
            "spanId": sid,
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(T0 + start * MS),
            "endTimeUnixNano": str(T0 + end * MS),
            "attributes": [_attr(k, v) for k, v in attrs.items()],
            "status": status or {},
        }
        if parent:
            span["parentSpanId"] = parent
        self.spans.append((scope, span))
        return sid

    def write(self, path: Path) -> None:
        scopes: dict[str, list[dict]] = {}
        for scope, span in self.spans:
            scopes.setdefault(scope, []).append(span)
        doc = {
            "resourceSpans": [
                {
                    "resource": {"attributes": [_attr("service.name", "unknown_service:python")]},
                    "scopeSpans": [{"scope": {"name": s}, "spans": sp} for s, sp in scopes.items()],
                }
            ]
        }
        path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


AGENT = "semantic_kernel.utils.telemetry.agent_diagnostics.decorators"
MODEL = "semantic_kernel.utils.telemetry.model_diagnostics.decorators"
LOOP = "semantic_kernel.connectors.ai.chat_completion_client_base"
TOOL = "semantic_kernel.functions.kernel_function"


def _chat(tr: _Trace, parent: str, start: int) -> None:
    tr.span(
        parent,
        "chat gpt-4o-mini",
        start,
        start + 10,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.id": f"chatcmpl-{start}",
            "gen_ai.response.finish_reason": "FinishReason.STOP",
            "gen_ai.usage.input_tokens": 170,
            "gen_ai.usage.output_tokens": 25,
        },
        MODEL,
    )


def _tool(tr: _Trace, parent: str, start: int, call_id: str, result: str | None) -> None:
    attrs = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "Inventory-get_stock",
        "gen_ai.tool.call.id": call_id,
        "gen_ai.tool.description": "Units of a SKU in stock at a warehouse.",
        "gen_ai.tool.call.arguments": '{"sku": "WID-7", "warehouse": "LIS"}',
    }
    status = None
    if result is None:
        status = {
            "message": "RuntimeError: inventory service unavailable (HTTP 503)",
            "code": "STATUS_CODE_ERROR",
        }
    else:
        attrs["gen_ai.tool.call.result"] = result
    tr.span(parent, "execute_tool Inventory-get_stock", start, start + 5, attrs, TOOL, status)


STOCK = '{"sku": "WID-7", "warehouse": "LIS", "units": 120}'


def _inventory_run(path: Path, writer_says: str, root_status: dict | None = None, stock: str = STOCK) -> None:
    tr = _Trace()
    root = tr.span(None, "handle_request inventory", 0, 200, {}, "app", root_status)
    analyst = tr.span(
        root,
        "invoke_agent analyst",
        1,
        120,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.id": "analyst-0c7e-4f1b-9c51-2d06475af1b4",
            "gen_ai.agent.name": "analyst",
            "gen_ai.input.messages": "[]",
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "name": "analyst",
                        "content": "Inventory check: WID-7 has 120 units in stock at LIS.",
                    }
                ]
            ),
        },
        AGENT,
    )
    loop = tr.span(analyst, "AutoFunctionInvocationLoop", 2, 118, {"sk.available_functions": ""}, LOOP)
    _chat(tr, loop, 3)
    _tool(tr, loop, 14, "call_inv1", None)
    _chat(tr, loop, 20)
    _tool(tr, loop, 31, "call_inv2", stock)
    _chat(tr, loop, 40)
    writer = tr.span(
        root,
        "invoke_agent writer",
        121,
        199,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.id": "writer-0c7e-4f1b-9c51-2d06475af1b4",
            "gen_ai.agent.name": "writer",
            "gen_ai.input.messages": "[]",
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "content": writer_says, "name": "writer"}]
            ),
        },
        AGENT,
    )
    _chat(
        tr, tr.span(writer, "AutoFunctionInvocationLoop", 122, 198, {"sk.available_functions": ""}, LOOP), 123
    )
    tr.write(path)


ADDS = "Customer update: WID-7 has 120 units in stock at LIS, about 115 after today's orders."
PAYLOAD = json.dumps(
    {
        "content": {"parts": [{"text": "Hello!"}]},
        "timestamp": 1756366351.22196,
        "usage_metadata": {"prompt_token_count": 39, "total_token_count": 45},
    }
)
OK = {"code": "STATUS_CODE_OK"}
# name -> (what the writer says, the root span's status, the stock tool's result)
CASES = {
    "grounded": (GROUNDED, None, STOCK),
    "reported ok": (MADE_UP, OK, STOCK),
    "reported error": (MADE_UP, {"code": "STATUS_CODE_ERROR", "message": "boom"}, STOCK),
    "adds a figure": (ADDS, None, STOCK),
    "adds a figure, reported ok": (ADDS, OK, STOCK),
    "no number from the tool": (PAYLOAD, None, '{"sku": "WID-7", "warehouse": "LIS", "units": "plenty"}'),
    "made up": (MADE_UP, None, STOCK),
    # labelled failed (ws.label(run, outcome="failure")) before the detectors run
    "made up, labelled failed": (MADE_UP, None, STOCK),
}


@pytest.fixture(scope="module")
def detected(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, tuple[object, set]], dict[str, dict]]:
    """Each case's run as a trace of its own (its id told apart), read in one call and detected once (a run's
    findings come from its own steps: a store each, as until suite49, found the same): per case, its run's
    findings and whether it is taken as failed (``{run}`` or ``set()``); and per case, its run's (reported
    outcome, outcome) and its rows of `investigate`'s flagged runs (suite54: the made-up cases had stores of
    their own)."""
    folder = tmp_path_factory.mktemp("cases")
    paths = {}
    for n, (name, (says, status, stock)) in enumerate(CASES.items()):
        paths[name] = folder / f"sk_inventory_{n}.otlp.jsonl"
        _inventory_run(paths[name], says, status, stock)
        paths[name].write_text(
            paths[name]
            .read_text("utf-8")
            .replace("2baadd4c8eeb9b0386aaa4f3c8171ece", f"2baadd4c8eeb9b0386aaa4f3c8171e{n:02x}"),
            "utf-8",
        )
    ws = wb.open()
    assert ws.ingest([str(p) for p in paths.values()]).quarantined == 0
    runs = {}
    for name, path in paths.items():
        ((run,),) = ws.sql("SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path)]).fetchall()
        runs[name] = run
    ws.label(runs["made up, labelled failed"], outcome="failure")
    found = detect(ws)
    failed = set(taken_as_failed(ws))
    flagged = flagged_runs(ws, None)
    out, facts = {}, {}
    for name, run in runs.items():
        out[name] = (found[found.run_id == run], failed & {run})
        facts[name] = {
            "outcomes": ws.sql(
                "SELECT reported_outcome, outcome FROM runs WHERE run_id = ?", [run]
            ).fetchall(),
            "flagged": [row for row in flagged if row[0] == run],
        }
    ws.close()
    return out, facts


@pytest.fixture(scope="module")
def cases(detected: tuple[dict[str, tuple[object, set]], dict[str, dict]]) -> dict[str, tuple[object, set]]:
    return detected[0]


def test_made_up_value_in_a_run_of_unknown_outcome_is_a_warning(
    detected: tuple[dict[str, tuple[object, set]], dict[str, dict]],
) -> None:
    (f, taken), facts = detected[0]["made up"], detected[1]["made up"]
    assert facts["outcomes"] == [("unknown", "unknown")]
    silent = f[f.detector == "silent_failure"]
    assert len(silent) == 1
    hit = silent.iloc[0]
    assert (hit.agent, hit.severity) == ("writer", "warning")
    assert "210" in hit.detail and "reported success" not in hit.detail
    assert hit.detail.startswith("outcome not reported")
    assert json.loads(hit.attributes)["values"] == ["210"]
    # no claim of success, so not taken as failed; `investigate` lists it among the flagged runs
    assert taken == set()
    [(run, outcome, _, detectors, _)] = facts["flagged"]
    assert outcome == "unknown" and "silent_failure" in detectors


def test_grounded_answer_in_a_run_of_unknown_outcome_is_no_silent_failure(cases: dict) -> None:
    f, _ = cases["grounded"]
    assert "silent_failure" not in set(f.detector)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("reported ok", "critical"),  # reported success: a silent failure, as before
        ("reported error", None),  # reported failure: known already
    ],
)
def test_reported_outcome_decides_the_finding(cases: dict, case: str, expected: str | None) -> None:
    f, taken = cases[case]
    silent = f[f.detector == "silent_failure"]
    if expected is None:
        assert silent.empty
        return
    assert list(silent.severity) == [expected]
    assert silent.iloc[0].detail.startswith("reported success, but the final answer")
    assert taken == set(silent.run_id)


def test_labelled_failure_of_unknown_outcome_gets_no_silent_failure(cases: dict) -> None:
    f, _ = cases["made up, labelled failed"]
    assert "silent_failure" not in set(f.detector)


def test_unknown_outcome_answer_quoting_the_backend_and_adding_a_figure_is_left_alone(cases: dict) -> None:
    # Claude Agent SDK on Langfuse's sample: "Berlin: Cloudy, 59°F (15°C)" from a tool's "59°F". With no
    # claim of success, an answer that repeats the backend's number is not reported for what it adds;
    # a reported success still is.
    f, _ = cases["adds a figure"]
    assert "silent_failure" not in set(f.detector)
    f, _ = cases["adds a figure, reported ok"]
    assert list(f.loc[f.detector == "silent_failure", "severity"]) == ["critical"]


def test_unknown_outcome_run_whose_tools_gave_no_number_is_left_alone(cases: dict) -> None:
    # an answer that is a raw API payload (token counts, a timestamp) in a run whose tool said no number
    f, _ = cases["no number from the tool"]
    assert "silent_failure" not in set(f.detector)

"""Detectors on a Strands Agents swarm trace (OTLP JSON, the shape strands-agents 1.x writes): a tool
call made again after it failed, and a made-up value an event-loop cycle span repeats from its LLM call."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.detect import detect

T0 = 1_796_130_895_780_000_000
MS = 1_000_000


def _attr(key: str, value: object) -> dict:
    return {
        "key": key,
        "value": {"intValue": str(value)} if isinstance(value, int) else {"stringValue": value},
    }


def _event(t: int, name: str, **attrs: object) -> dict:
    return {"timeUnixNano": str(t), "name": name, "attributes": [_attr(k, v) for k, v in attrs.items()]}


class _Trace:
    """Spans of one trace as Strands' tracer writes them: gen_ai.* attributes, messages as span events."""

    def __init__(self) -> None:
        self.spans: list[dict] = []
        self.n = 0

    def span(
        self,
        parent: str | None,
        name: str,
        start: int,
        end: int,
        attrs: dict,
        events: list[dict],
        error: bool = False,
    ) -> str:
        self.n += 1
        sid = f"{self.n:016x}"
        span = {
            "traceId": "2b2fc8b6efdaa9824c6cbc9b176e8e84",
            "spanId": sid,
            "name": name,
            "kind": "SPAN_KIND_INTERNAL",
            "startTimeUnixNano": str(T0 + start * MS),
            "endTimeUnixNano": str(T0 + end * MS),
            "attributes": [_attr("gen_ai.system", "strands-agents")]
            + [_attr(k, v) for k, v in attrs.items()],
            "events": events,
            "status": {"code": "STATUS_CODE_ERROR" if error else "STATUS_CODE_OK"},
        }
        if parent:
            span["parentSpanId"] = parent
        self.spans.append(span)
        return sid

    def cycle(
        self,
        agent: str,
        start: int,
        call: dict | None,
        answer: str | None,
        result: str = "",
        failed: bool = False,
    ) -> None:
        """One event-loop cycle: the model's turn (a tool call or an answer) and the tool it called.
        The cycle span repeats the model's output in its own gen_ai.choice event."""
        said = json.dumps([{"toolUse": call}] if call else [{"text": answer}])
        cyc = self.span(
            agent,
            "execute_event_loop_cycle",
            start,
            start + 9,
            {"gen_ai.operation.name": "execute_event_loop_cycle"},
            [
                _event(T0 + start * MS, "gen_ai.user.message", content='[{"text": "Book a flight"}]'),
                _event(T0 + (start + 9) * MS, "gen_ai.choice", message=said),
            ],
        )
        self.span(
            cyc,
            "chat",
            start + 1,
            start + 4,
            {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "scripted-1",
                "gen_ai.usage.input_tokens": 150,
                "gen_ai.usage.output_tokens": 20,
            },
            [
                _event(T0 + (start + 1) * MS, "gen_ai.user.message", content='[{"text": "Book a flight"}]'),
                _event(
                    T0 + (start + 4) * MS,
                    "gen_ai.choice",
                    message=said,
                    finish_reason="tool_use" if call else "end_turn",
                ),
            ],
        )
        if call:
            events = [
                _event(
                    T0 + (start + 5) * MS,
                    "gen_ai.tool.message",
                    role="tool",
                    content=json.dumps(call["input"]),
                    id=call["toolUseId"],
                ),
                _event(
                    T0 + (start + 8) * MS,
                    "gen_ai.choice",
                    message=json.dumps([{"text": result}]),
                    id=call["toolUseId"],
                ),
            ]
            if failed:
                events.append(
                    _event(
                        T0 + (start + 8) * MS,
                        "exception",
                        **{
                            "exception.type": "ConnectionError",
                            "exception.message": "flight API unreachable",
                        },
                    )
                )
            self.span(
                cyc,
                f"execute_tool {call['name']}",
                start + 5,
                start + 8,
                {
                    "gen_ai.operation.name": "execute_tool",
                    "gen_ai.tool.name": call["name"],
                    "gen_ai.tool.call.id": call["toolUseId"],
                    "gen_ai.tool.status": "error" if failed else "success",
                },
                events,
                error=failed,
            )

    def write(self, path: Path) -> None:
        doc = {
            "resourceSpans": [
                {
                    "resource": {"attributes": [_attr("service.name", "unknown_service:python")]},
                    "scopeSpans": [{"scope": {"name": "strands.telemetry.tracer"}, "spans": self.spans}],
                }
            ]
        }
        path.write_text(json.dumps(doc) + "\n", encoding="utf-8")


def _swarm(path: Path, price: str = "240", again_to: str = "LIS") -> None:
    """The researcher's flight search fails, is made again (a new tool-call id) and finds LH123 at 420;
    the researcher hands off 'Book LH123 at <price> EUR' and the booker books it at that price."""
    t = _Trace()
    root = t.span(
        None,
        "invoke_swarm",
        0,
        100,
        {"gen_ai.operation.name": "invoke_swarm"},
        [_event(T0, "gen_ai.user.message", content="Book the cheapest flight from Berlin to Lisbon")],
    )
    t.spans[-1]["kind"] = "SPAN_KIND_CLIENT"
    researcher = t.span(
        root,
        "invoke_agent researcher",
        1,
        60,
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "researcher"},
        [_event(T0 + 60 * MS, "gen_ai.choice", message="handed off\n")],
    )
    search = {"name": "search_flights", "input": {"origin": "BER", "destination": "LIS"}}
    t.cycle(
        researcher,
        2,
        {**search, "toolUseId": "tooluse_1"},
        None,
        "Error: ConnectionError - flight API unreachable",
        failed=True,
    )
    again = {**search, "input": {"origin": "BER", "destination": again_to}}
    t.cycle(
        researcher,
        12,
        {**again, "toolUseId": "tooluse_2"},
        None,
        json.dumps([{"flight": "LH123", "price_eur": 420}]),
    )
    handoff = {
        "name": "handoff_to_agent",
        "toolUseId": "tooluse_3",
        "input": {"agent_name": "booker", "message": f"Book LH123 at {price} EUR"},
    }
    t.cycle(researcher, 22, handoff, None, f"Handing off to booker: Book LH123 at {price} EUR")
    booker = t.span(
        root,
        "invoke_agent booker",
        61,
        99,
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "booker"},
        [
            _event(
                T0 + 61 * MS,
                "gen_ai.user.message",
                content=f'[{{"text": "Context:\\nHandoff Message: Book LH123 at {price} EUR"}}]',
            ),
            _event(T0 + 99 * MS, "gen_ai.choice", message=f"Booked LH123 for {price} EUR.\n"),
        ],
    )
    t.cycle(booker, 62, None, f"Booked LH123 for {price} EUR.")
    t.write(path)


def _store(tmp_path: Path, price: str = "240"):  # noqa: ANN202
    path = tmp_path / "strands_swarm.otlp.jsonl"
    _swarm(path, price)
    ws = wb.open()
    report = ws.ingest(path)
    assert report.quarantined == 0
    return ws


def test_a_failed_call_made_again_under_a_new_tool_call_id_is_a_retry(tmp_path: Path) -> None:
    ws = _store(tmp_path)
    # the tool span's one gen_ai.tool.message event holds the id the model gave each call beside the
    # arguments; since real20 only the arguments are stored (ids left out by the detector itself:
    # test_fw2_call_ids.py)
    inputs = [
        i for (i,) in ws.sql("SELECT input FROM steps WHERE tool = 'search_flights' ORDER BY seq").fetchall()
    ]
    assert len(inputs) == 2 and inputs[0] == inputs[1] and "LIS" in inputs[0] and "tooluse" not in inputs[0]
    hits = detect(ws, detectors=["retry", "loop"])
    retries = hits.loc[hits["detector"] == "retry"]
    assert len(retries) == 1, hits.to_dict("records")
    assert json.loads(retries["attributes"].iloc[0]) == {
        "retries": 1,
        "recovered": True,
        "first_step": retries["step_id"].iloc[0],
    }
    assert "researcher retried search_flights 1 time(s)" in retries["detail"].iloc[0]


def test_calls_with_other_arguments_are_still_other_calls(tmp_path: Path) -> None:
    # only the id is left out: a search for another route after the failure is no retry
    path = tmp_path / "strands_swarm.otlp.jsonl"
    _swarm(path, again_to="OPO")
    ws = wb.open()
    ws.ingest(path)
    assert ws.sql("SELECT count(DISTINCT input) FROM steps WHERE tool = 'search_flights'").fetchall() == [
        (2,)
    ]
    hits = detect(ws, detectors=["retry", "loop"])
    assert hits.empty, hits.to_dict("records")


def test_a_cycle_span_repeating_its_llm_call_is_no_second_origin(tmp_path: Path) -> None:
    # The researcher's model says 240 where the search found 420; the booker books at 240. The
    # execute_event_loop_cycle span (kind other) repeats its chat span's output at its end: it passes the
    # value on, it does not make it up.
    ws = _store(tmp_path)
    chat, cycle = ws.sql(
        "SELECT c.step_id, c.parent_id FROM steps c JOIN steps p ON p.step_id = c.parent_id "
        "WHERE c.kind = 'llm' AND p.kind = 'other' AND contains(c.output, 'handoff_to_agent')"
    ).fetchall()[0]
    hits = detect(ws)
    origins = hits.loc[(hits["detector"] == "cascade") & (hits["severity"] == "critical")]
    assert list(origins["step_id"]) == [chat], hits.to_dict("records")
    assert "made-up value 240" in origins["detail"].iloc[0]
    assert not any(
        json.loads(a).get("origin") == cycle for a in hits.loc[hits["detector"] == "cascade", "attributes"]
    )


def test_the_price_the_search_found_is_no_made_up_value(tmp_path: Path) -> None:
    hits = detect(_store(tmp_path, price="420"))
    assert hits.loc[hits["detector"] == "cascade"].empty, hits.to_dict("records")

"""A model call's inner span stored alone by an earlier call, given again with its parent span and other
contents, is a conflict as any step given again otherwise: quarantined, naming the stored step, the stored
text kept. It was taken as the pair's: the stored child deleted, the parent given the new text, nothing said."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb

T0, MS = 1_760_000_000_000_000_000, 1_000_000


def _span(sid: str, parent: str, name: str, t0: int, t1: int, attrs: dict) -> dict:
    values = [
        {"key": k, "value": {"intValue": str(v)} if isinstance(v, int) else {"stringValue": v}}
        for k, v in attrs.items()
    ]
    return {
        "traceId": "ab" * 16,
        "spanId": sid,
        "parentSpanId": parent,
        "name": name,
        "kind": 1,
        "startTimeUnixNano": str(T0 + t0 * MS),
        "endTimeUnixNano": str(T0 + t1 * MS),
        "attributes": values,
        "status": {},
    }


def _llm(model: str, **extra: str) -> dict:
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 12,
        **extra,
    }


ROOT = _span(
    "00000000000000a1",
    "",
    "invoke_agent pricer",
    0,
    100,
    {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "pricer"},
)
OUTER = _span("00000000000000b1", "00000000000000a1", "call_llm", 1, 50, _llm("openai/gpt-4o-mini"))


def _inner(text: str) -> dict:
    return _span(
        "00000000000000c1",
        "00000000000000b1",
        "generate_content",
        2,
        40,
        _llm("gpt-4o-mini", **{"gen_ai.completion": text}),
    )


def _write(path: Path, spans: list[dict]) -> Path:
    path.write_text(
        "".join(
            json.dumps(
                {
                    "resourceSpans": [
                        {"resource": {}, "scopeSpans": [{"scope": {"name": "adk"}, "spans": [s]}]}
                    ]
                }
            )
            + "\n"
            for s in spans
        )
    )
    return path


def _in(trace: str, spans: list[dict]) -> list[dict]:
    return [dict(span, traceId=trace) for span in spans]


def test_an_inner_span_given_again_otherwise_with_its_parent_is_a_conflict_and_as_it_was_is_none(
    tmp_path: Path,
) -> None:
    # (two traces in the same calls: the first given again otherwise, the second as it was)
    other, same = "ab" * 16, "cd" * 16
    first = _write(
        tmp_path / "first.otlp.jsonl",
        _in(other, [ROOT, _inner("price 14.20")]) + _in(same, [ROOT, _inner("price 14.20")]),
    )
    ws = wb.open()
    ws.ingest(first, progress=False)
    again = _write(
        tmp_path / "again.otlp.jsonl",
        _in(other, [OUTER, _inner("price 41.20")]) + _in(same, [OUTER, _inner("price 14.20")]),
    )
    report = ws.ingest(again, progress=False)
    assert (report.read, report.stored, report.quarantined) == (4, 3, 1)
    assert report.errors == [
        f"{again}:2: conflicts with the stored step 00000000000000c1 of run {other} "
        f"(stored from {first} line 2): differs in output"
    ]
    # the call is one step, the parent's, with the stored child's text (given as it was: the same)
    llm = "SELECT step_id, output FROM steps WHERE kind = 'llm' AND run_id = ?"
    for trace in (other, same):
        assert ws.sql(llm, [trace]).fetchall() == [("00000000000000b1", "price 14.20")], trace
    # given again: nothing added, the stored text kept (the file still says otherwise: its spans conflict)
    report = ws.ingest(again, progress=False)
    assert report.added == 0 and report.read == report.stored + report.quarantined
    assert ws.sql(
        "SELECT step_id, output FROM steps WHERE run_id = ? ORDER BY step_id", [other]
    ).fetchall() == [
        ("00000000000000a1", None),
        ("00000000000000b1", "price 14.20"),
    ]


def test_a_second_model_call_under_a_folded_pair_is_said(tmp_path: Path) -> None:
    """Read in one call, a parent with two LLM children is no pair: all three are steps. A pair folded by an earlier
    call cannot be taken apart (the child's own row is gone): the report says so, once."""
    ws = wb.open()
    ws.ingest(_write(tmp_path / "outer.otlp.jsonl", [ROOT, OUTER]), progress=False)
    ws.ingest(_write(tmp_path / "inner.otlp.jsonl", [_inner("price 14.20")]), progress=False)
    retry = _write(
        tmp_path / "retry.otlp.jsonl",
        [_span("00000000000000d1", "00000000000000b1", "generate_content", 41, 49, _llm("gpt-4o-mini"))],
    )
    report = ws.ingest(retry, progress=False)
    assert [
        n
        for n in report.notes
        if n.startswith("1 model call span(s) under a step an earlier call stored as one call")
    ]
    assert report.added == 1 and ws.count("steps") == 3
    assert not [n for n in ws.ingest(retry, progress=False).notes if "earlier call stored as one call" in n]


def test_a_pairs_outer_span_given_again_alone_adds_nothing(tmp_path: Path) -> None:
    """The outer span's file read again (the inner spans in another file) is the stored step again: no conflict.
    It was quarantined, 'differs in output, attributes' (the stored step holds what its child gave)."""
    # (either file first, each order a trace of its own in one store: the outer file of one and the inner of the
    # other in the first call, the other two in the second; each order was a store and three calls)
    orders = {"outer first": "cd" * 16, "inner first": "ab" * 16}
    outer = {o: _write(tmp_path / f"outer-{t}.otlp.jsonl", _in(t, [ROOT, OUTER])) for o, t in orders.items()}
    inner = {
        o: _write(tmp_path / f"inner-{t}.otlp.jsonl", _in(t, [_inner("price 14.20")]))
        for o, t in orders.items()
    }
    ws = wb.open()
    ws.ingest([outer["outer first"], inner["inner first"]], progress=False)
    ws.ingest([inner["outer first"], outer["inner first"]], progress=False)
    steps = "SELECT * FROM steps WHERE run_id = ? ORDER BY step_id"
    before = {o: ws.sql(steps, [t]).fetchall() for o, t in orders.items()}
    report = ws.ingest(list(outer.values()), progress=False)
    assert (report.read, report.stored, report.quarantined, report.added) == (4, 4, 0, 0), report.errors
    for order, trace in orders.items():
        assert before[order] and ws.sql(steps, [trace]).fetchall() == before[order], order
    # (OUTER's own trace, below, is the one read inner file first, as it was)
    # given again with other text of its own, it is a conflict still
    other = dict(
        OUTER,
        attributes=[
            *OUTER["attributes"],
            {"key": "gen_ai.completion", "value": {"stringValue": "price 99.00"}},
        ],
    )
    report = ws.ingest(_write(tmp_path / "other.otlp.jsonl", [other]), progress=False)
    assert report.quarantined == 1 and "differs in output" in report.errors[0]

"""Property tests: whatever is done to the records, ingest never raises and counts reconcile.

(A third of the examples of round 51 by default, an ingest each: WORKBENCH_DEEP_TESTS=1 for round 51's,
HYPOTHESIS_EXAMPLES for more.)"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import hypothesis.strategies as st
from _deep import deep
from hypothesis import HealthCheck, given, settings

import workbench as wb

FIELDS = [
    "run_id",
    "step_id",
    "parent_id",
    "agent",
    "kind",
    "started_at",
    "ended_at",
    "status",
    "tokens_in",
    "tokens_out",
    "confidence",
    "entropy",
    "latency_ms",
    "input",
    "output",
    "attributes",
    "logprobs",
    "record",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def _valid(n_runs: int, n_steps: int) -> list[dict]:
    recs: list[dict] = []
    for r in range(n_runs):
        recs.append({"record": "run", "run_id": f"r{r}", "system": "prop"})
        for s in range(n_steps):
            recs.append(
                {
                    "run_id": f"r{r}",
                    "step_id": f"s{s}",
                    "parent_id": f"s{s - 1}" if s else None,
                    "agent": ["planner", "pricer", None][s % 3],
                    "kind": "llm",
                    "started_at": 1_767_225_600_000_000_000 + s * 1000,
                    "ended_at": 1_767_225_600_000_000_000 + s * 1000 + 500,
                    "status": "ok",
                    "confidence": 0.5,
                }
            )
    return recs


# Random examples (not derandomized): each run of the suite tries new ones, 4 and 3 a run (25 and 20 until
# round 45, 6 and 5 until round 54: most of the module's time, for the suite's 15 minutes; 12 and 10 with
# WORKBENCH_DEEP_TESTS=1). test_fuzz.py's derandomized mutants of every
# format, native JSONL among them, check the same read = stored + quarantined; bench/fuzz_ingest.py and
# HYPOTHESIS_EXAMPLES=500 run larger campaigns.
mutation = st.tuples(
    st.integers(min_value=0, max_value=10_000), st.sampled_from(FIELDS + ["<drop>", "<dup>"]), json_values
)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 12 if deep() else 4)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(mutation, max_size=12))
def test_mutated_native_records_never_raise_and_reconcile(mutations: list) -> None:
    recs = _valid(3, 6)
    for pos, field, value in mutations:
        i = pos % len(recs)
        if field == "<drop>":
            recs[i] = {k: v for k, v in recs[i].items() if k != FIELDS[pos % len(FIELDS)]}
        elif field == "<dup>":
            recs.append(dict(recs[i]))
        else:
            recs[i] = {**recs[i], field: value}
    ws = wb.open()
    report = ws.ingest(recs)
    assert report.read == report.stored + report.quarantined
    assert ws.count("steps") == report.added
    assert ws.count("quarantine") == report.quarantined


byte_edit = st.tuples(
    st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=40), st.binary(max_size=6)
)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 10 if deep() else 3)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(byte_edit, max_size=8))
def test_byte_mutated_jsonl_file_never_raises(tmp_path: Path, edits: list) -> None:
    data = bytearray("\n".join(json.dumps(r) for r in _valid(2, 5)).encode())
    for pos, cut, insert in edits:
        at = pos % (len(data) + 1)
        data[at : at + cut] = insert
    path = tmp_path / "mutated.jsonl"
    path.write_bytes(bytes(data))
    ws = wb.open()
    report = ws.ingest(path, format="native")
    assert report.read == report.stored + report.quarantined
    again = ws.ingest(path, format="native")
    assert again.added == 0 and again.read == report.read


def test_oversized_attribute_and_invalid_utf8_are_quarantined(tmp_path: Path) -> None:
    good = _valid(1, 3)
    huge = dict(good[1], step_id="huge", attributes={"blob": "x" * (5 * 1024 * 1024)})
    lines = [json.dumps(r).encode() for r in good] + [
        json.dumps(huge).encode(),
        b'{"run_id": "r0", "step_id": "bad\xff\xfe", "kind": "llm"}',
    ]
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.read, report.stored, report.quarantined) == (5, 3, 2)
    q = ws.quarantine().set_index("line")
    assert "bytes (limit" in q.loc[5, "reason"]
    assert "UTF-8" in q.loc[6, "reason"] or "JSON" in q.loc[6, "reason"]
    # The quarantine keeps a bounded prefix of the record, with the whole record's length and hash.
    whole = lines[4]  # the line as read, without its newline
    assert q.loc[5, "raw"].encode() == whole[: 1024 * 1024]
    assert q.loc[5, "raw_bytes"] == len(whole) and q.loc[5, "raw_sha256"] == hashlib.sha256(whole).hexdigest()


def test_gzipped_and_plain_files_read_the_same(tmp_path: Path) -> None:
    span = {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": "b7ad6b7169203331",
        "parentSpanId": "",
        "name": "invoke_agent planner",
        "startTimeUnixNano": "1767225600000000000",
        "endTimeUnixNano": "1767225601000000000",
        "status": {"code": 2},
        "attributes": [
            {"key": "gen_ai.operation.name", "value": {"stringValue": "invoke_agent"}},
            {"key": "gen_ai.agent.name", "value": {"stringValue": "planner"}},
        ],
    }
    line = json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": [span]}]}
            ]
        }
    )
    native = "\n".join(json.dumps(r) for r in _valid(1, 3))
    for name, text in (("otlp", line), ("native", native)):
        plain, packed = tmp_path / f"{name}.jsonl", tmp_path / f"{name}.jsonl.gz"
        plain.write_text("\ufeff" + text + "\n")
        packed.write_bytes(gzip.compress(("\ufeff" + text + "\n").encode()))
        a, b = wb.open().ingest(plain), wb.open().ingest(packed)
        assert (
            (a.stored, a.quarantined) == (b.stored, b.quarantined) and a.stored > 0 and a.quarantined == 0
        ), name

"""suite49: the reader agreement check (tests/ingest/_reader_agreement.py) reads a trace id written as a Node.js
Buffer (test_otlp_js_objects.py's files), so such a file joins a batch of files of other traces instead of costing
two ingest calls of its own, and is still never read in one call with a file of the same trace."""

from __future__ import annotations

import json
from pathlib import Path

from _reader_agreement import ids_of, independent_batches


def _js_spans(path: Path, trace: list[int], pretty: bool) -> Path:
    span = {
        "traceId": {"type": "Buffer", "data": trace},
        "spanId": {"type": "Buffer", "data": [0] * 7 + [1]},
        "name": "agent",
        "startTimeUnixNano": 1,
        "endTimeUnixNano": 2,
    }
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    path.write_text(json.dumps(doc, indent=2 if pretty else None) + "\n", encoding="utf-8")
    return path


def test_a_trace_id_written_as_a_node_buffer_is_read_and_batched(tmp_path: Path) -> None:
    one, other = list(range(1, 17)), list(range(101, 117))
    a = _js_spans(tmp_path / "a.json", one, pretty=False)
    b = _js_spans(
        tmp_path / "b.json", one, pretty=True
    )  # the same trace, written by JSON.stringify(x, null, 2)
    c = _js_spans(tmp_path / "c.json", other, pretty=True)
    hexed = tmp_path / "d.otlp.jsonl"
    hexed.write_text(
        json.dumps(
            {
                "resourceSpans": [
                    {
                        "scopeSpans": [
                            {
                                "spans": [
                                    {"traceId": bytes(other).hex(), "spanId": "00000000000000aa", "name": "x"}
                                ]
                            }
                        ]
                    }
                ]
            }
        )
        + "\n",
        encoding="utf-8",
    )
    assert ids_of([a]) == ids_of([b]) == {bytes(one).hex().encode()}
    assert bytes(other).hex().encode() in ids_of([c]) & ids_of([hexed])
    # a and b (one trace) never together, nor c and d (one trace, as a Buffer and as hex); a with c, b with d
    assert independent_batches([[a], [b], [c], [hexed]]) == [[0, 2], [1, 3]]
    bad = tmp_path / "e.json"  # (data that are not bytes: no id read, so the file is read alone)
    bad.write_text('{"traceId": {"type": "Buffer", "data": [1, 300]}}', encoding="utf-8")
    assert ids_of([bad]) == frozenset()


def test_units_given_ids_of_their_own_share_a_batch_and_say_nothing_else_anew(tmp_path: Path) -> None:
    """Units naming one trace (a test's edits of one fixture) are read in one batch once each is given ids of its
    own (_reader_agreement.renamed): every spelling of an id renamed alike, every other byte kept; a unit whose ids
    cannot be renamed without changing what it says is left as it is (None)."""
    import base64
    import gzip

    from _reader_agreement import renamed

    trace = bytes(range(1, 17))
    spans = [
        {"traceId": trace.hex(), "spanId": "00000000000000aa", "name": "agent", "links": []},
        {"traceId": trace.hex(), "spanId": "00000000000000bb", "parentSpanId": "00000000000000aa"},
    ]
    spans[1]["links"] = [{"traceId": base64.b64encode(trace).decode(), "spanId": "00000000000000aa"}]
    line = json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}) + "\n"
    a = tmp_path / "a.otlp.jsonl"
    a.write_text(line, encoding="utf-8")
    b = tmp_path / "b.otlp.jsonl"
    b.write_bytes(gzip.compress(line.encode()))
    native = tmp_path / "c.jsonl"
    native.write_text('{"record": "run", "run_id": "r-1", "task": "t"}\n', encoding="utf-8")
    (tmp_path / "out").mkdir()
    one, two = renamed([a], 1, tmp_path / "out"), renamed([b, native], 2, tmp_path / "out")
    assert one and two and one[0].name == a.name and [p.name for p in two] == [b.name, native.name]
    assert ids_of([a]) == ids_of([b]) and not ids_of(one) & ids_of(two), "renamed units share an id"
    assert independent_batches([one, two]) == [[0, 1]]

    def back(text: str) -> str:  # (the text with its one trace id's two spellings as they were)
        (new,) = {s["traceId"] for s in json.loads(text)["resourceSpans"][0]["scopeSpans"][0]["spans"]}
        assert new != trace.hex() and base64.b64encode(bytes.fromhex(new)).decode() in text, "spellings apart"
        b64 = base64.b64encode(bytes.fromhex(new)).decode()
        return text.replace(new, trace.hex()).replace(b64, base64.b64encode(trace).decode())

    assert back(one[0].read_text(encoding="utf-8")) == line, "a byte other than an id changed"
    assert back(gzip.decompress(two[0].read_bytes()).decode()) == line, (
        "a byte other than an id changed (gzip)"
    )
    assert '"run_id": "r-1~u2"' in two[1].read_text(encoding="utf-8")
    # a trace id as a Node.js Buffer: its bytes the unit's own, the text's layout kept
    js = _js_spans(tmp_path / "js.json", list(trace), pretty=True)
    (own,) = renamed([js], 3, tmp_path / "out") or [None]
    assert own and ids_of([own]) and not ids_of([own]) & (ids_of([js]) | ids_of(one) | ids_of(two))
    layout = [len(line) - len(line.lstrip()) for line in own.read_text().splitlines()]
    assert layout == [len(line) - len(line.lstrip()) for line in js.read_text().splitlines()], (
        "layout changed"
    )
    # left as they are: a trace id of zeros, one also named in an attribute, one that is no trace id
    for n, text in enumerate(
        [
            line.replace(trace.hex(), "0" * 32).replace(base64.b64encode(trace).decode(), "A" * 22 + "=="),
            line.replace('"name": "agent"', f'"name": "agent", "attributes": {{"trace": "{trace.hex()}"}}'),
            line.replace(trace.hex(), "not-a-trace-id"),
        ]
    ):
        odd = tmp_path / f"odd{n}.otlp.jsonl"
        odd.write_text(text, encoding="utf-8")
        assert renamed([odd], 9, tmp_path / "out") is None, text

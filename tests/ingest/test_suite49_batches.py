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

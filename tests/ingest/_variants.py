"""Several edited copies of one OTLP trace file read in one ingest call: each copy's trace ids made its own.

A test that checks one rule on a few edits of a checked-in trace (a status set, a span renamed) read one file a
case, each a whole ingest call (~0.3 CPU s, mostly the call's fixed cost); the copies, a trace each, are read
alike one file or many (no span of one names another's trace), and each case's run is found by its trace id.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path

from _otlp_edits import export_spans


def _own(trace_id: str, n: int) -> tuple[str, str]:
    """The ``n``-th copy's id for ``trace_id``, as written (hex, or base64 as the OTel SDK's JSON writes it) and
    as stored (hex): its first byte the copy's number."""
    if len(trace_id) == 32:
        new = f"{n:02x}{trace_id[2:]}"
        return new, new.lower()
    raw = bytes([n]) + base64.b64decode(trace_id, validate=True)[1:]
    return base64.b64encode(raw).decode(), raw.hex()


def variants_file(path: Path, source: Path, edits: dict[str, Callable[[dict], None]]) -> dict[str, list[str]]:
    """``source`` (one OTLP export a line) once per edit, the edit applied to each span as
    ``_otlp_edits.edited_copy`` applies it, written one copy after the other to ``path``; each copy's trace ids
    (its spans' and their links') made its own. Returns each edit's trace ids, by the edit's name: the run ids
    of a source whose traces are each a run."""
    lines, ids = [], {}
    for n, (name, edit) in enumerate(edits.items(), start=1):
        seen = set()
        for line in source.read_text().splitlines():
            doc = json.loads(line)
            for span in export_spans(doc):
                edit(span)
                span["traceId"], stored = _own(span["traceId"], n)
                seen.add(stored)
                for link in span.get("links") or []:
                    link["traceId"] = _own(link["traceId"], n)[0]
            lines.append(json.dumps(doc))
        ids[name] = sorted(seen)
    path.write_text("\n".join(lines) + "\n")
    return ids


def own_copy(doc: dict, n: int) -> tuple[dict, str]:
    """A copy of one OTLP export ``doc`` of one trace, its trace id (its spans' and their links') made the
    ``n``-th copy's: a case of a test in a trace of its own, read in the same calls as the others. Returns the
    copy and its trace id as stored (the run id of a trace that is a run)."""
    doc = copy.deepcopy(doc)
    stored = set()
    for span in export_spans(doc):
        span["traceId"], run = _own(span["traceId"], n)
        stored.add(run)
        for link in span.get("links") or []:
            link["traceId"] = _own(link["traceId"], n)[0]
    (run,) = stored
    return doc, run

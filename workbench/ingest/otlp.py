"""OTLP JSON traces, as the OpenTelemetry Collector's file exporter writes them.

The file is either JSONL (one ``{"resourceSpans": [...]}`` object per line, the exporter's default) or
a single JSON document (possibly pretty-printed, or a JSON array of such objects). Both the OTLP JSON
encoding (lowerCamelCase keys, hex ids) and protobuf's generic JSON mapping (base64 ids, and
``snake_case`` keys when the proto field names are kept) are read.

Every span becomes one step (see :mod:`workbench.ingest._map_span` and
:mod:`workbench.ingest._convention_table` for the attribute mapping);
every trace becomes one run whose ``system`` is the resource's ``service.name``.

Line numbers: for JSONL a record's ``line`` is its 1-based line in the file. For a single multi-line
document every record gets ``line = 1`` (finding each span's line would need a second, position-aware
parse); ``order_hint`` (``line << 24`` plus the span's index in its line) still orders spans as in the file.

Two readers give the same rows: JSONL goes through DuckDB's JSON functions (:func:`stage_jsonl_sql`,
vectorised, several times faster), which hands every line or span it cannot vouch for to the Python
reader (:func:`stage_document`); single documents are read in Python. Spans staged by the SQL path
carry no ``raw`` text (their file and line locate them); quarantined records always do.
Ids must be 16/8 bytes and not all zeros (the OTLP rule); an all-zero parent id means "no parent".
"""

from __future__ import annotations

from pathlib import Path

from ._base import Adapter, Stage
from ._documents import document_values, has_record_lines, parse_document
from ._jsonio import jsonl_lines, read_document, sql_path
from ._otlp_read import _Context, _is_single_document, stage_document, stage_line, write_runs
from ._otlp_sql import stage_jsonl_sql
from ._step_sink import StepSink

# A Collector writes spans and logs (the GenAI instrumentations' messages) as such lines, to one file or two.
_TOP_KEYS = (b'"resourceSpans"', b'"resource_spans"', b'"resourceLogs"', b'"resource_logs"')


class OtlpJson(Adapter):
    """OTLP JSON traces (Collector file exporter; JSONL or one document).

    Parameters
    ----------
    fast
        Read JSONL through DuckDB's JSON functions (:func:`stage_jsonl_sql`), handing anything
        unusual back to the Python reader; False reads every line in Python; None (the default) reads
        files under ``_jsonio.SQL_MIN_BYTES`` in Python, whose statements cost less than the SQL path's.
    """

    name = "otlp"
    description = (
        "OTLP JSON traces: {'resourceSpans': [...]} per line (Collector file exporter) or per file, "
        "and their GenAI log records ({'resourceLogs': [...]})"
    )

    def __init__(self, fast: bool | None = None) -> None:
        self.fast = fast

    def sniff(self, path: Path, head: bytes) -> bool:
        start = head.lstrip(b" \t\r\n\xef\xbb\xbf")[:256]
        return start[:1] in (b"{", b"[") and any(k in start for k in _TOP_KEYS)

    def stage(self, path: Path, stage: Stage) -> None:
        ctx = _Context(stage, StepSink(stage))
        extra_runs = None
        try:
            if _is_single_document(path):
                data, _ = read_document(path, stage)
                if data is None:
                    return  # over the document limit (in decompressed bytes): quarantined whole
                top, error = parse_document(data, stage)
                if top is not None:
                    stage_document(top, 1, ctx, check_sizes=True)
                    return
                if not has_record_lines(data):  # one broken document, or indented ones one after another (jq)
                    for n, value, raw, why in document_values(data, error):
                        if why is not None:
                            stage.reject(line=n, reason=why, raw=raw)
                        else:
                            stage_document(value, n, ctx, check_sizes=True)
                    return
            if sql_path(self.fast, path):
                extra_runs = stage_jsonl_sql(path, ctx)
                return
            for n, line in jsonl_lines(path, stage):
                stage_line(line, n, ctx)
        finally:
            ctx.sink.flush()
            write_runs(ctx, extra_runs)
            if extra_runs:
                stage.con.execute(f"DROP TABLE IF EXISTS {extra_runs}")

"""Rows of a Parquet file as plain dicts, for the span adapters that read dataframe exports.

Arize Phoenix users save their spans as Parquet: ``Client().spans.get_spans_dataframe()`` written with
``to_parquet``, and ``TraceDataset(df).save()`` (``trace_dataset-<id>.parquet``). The columns are those of
the JSON-lines export (``context.span_id``, ``attributes.llm.input_messages`` as lists of structs …), read
by the same code once each row is a dict. Timestamps become epoch nanoseconds (the readers' epoch numbers).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

MAGIC = b"PAR1"
_BATCH_ROWS = 4096


def is_parquet(head: bytes) -> bool:
    """Whether a file's first bytes are Parquet's magic number."""
    return head[:4] == MAGIC


def column_names(path: Path) -> list[str]:
    """The top-level column names of a Parquet file (read from its footer only)."""
    import pyarrow.parquet as pq  # (only a Parquet file needs it: see _stage_tables.arrow_type)

    return list(pq.read_schema(path).names)


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    import pyarrow as pa

    cols = []
    for col in batch.columns:
        if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
            col = col.cast(pa.timestamp("ns", getattr(col.type, "tz", None))).cast(pa.int64())
        cols.append(col)
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names)


def rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number from 1, row)`` for each row, read a batch at a time; null cells are left out."""
    import pyarrow.parquet as pq

    n = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS):
        for row in _plain(batch).to_pylist():
            n += 1
            yield n, {k: v for k, v in row.items() if v is not None}

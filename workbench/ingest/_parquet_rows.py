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


_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _plain(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, dict[str, int]]:
    """The batch with its times as integers in their own unit, and the nanoseconds per unit of each.

    The scaling to nanoseconds is done per row in Python: an Arrow cast to ``timestamp[ns]`` fails for the
    whole batch on one time past 2262 (a year-9999 placeholder), where the row alone must be quarantined.
    """
    import pyarrow as pa

    cols, scales = [], {}
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        if pa.types.is_timestamp(col.type):
            scales[name] = _NS_PER[col.type.unit]
            col = col.cast(pa.int64())
        elif pa.types.is_date32(col.type):
            scales[name] = 86_400 * 10**9
            col = col.cast(pa.int32())
        elif pa.types.is_date64(col.type):
            scales[name] = 10**6
            col = col.cast(pa.int64())
        cols.append(col)
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names), scales


def rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number from 1, row)`` for each row, read a batch at a time; null cells are left out."""
    import pyarrow.parquet as pq

    n = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=_BATCH_ROWS):
        plain, scales = _plain(batch)
        for row in plain.to_pylist():
            n += 1
            for name, scale in scales.items():
                if row[name] is not None:
                    row[name] *= scale
            yield n, {k: v for k, v in row.items() if v is not None}

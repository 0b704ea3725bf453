"""Rows of a Parquet file as plain dicts, for the span adapters that read dataframe exports.

Arize Phoenix users save their spans as Parquet: ``Client().spans.get_spans_dataframe()`` written with
``to_parquet``, and ``TraceDataset(df).save()`` (``trace_dataset-<id>.parquet``). The columns are those of
the JSON-lines export (``context.span_id``, ``attributes.llm.input_messages`` as lists of structs …), read
by the same code once each row is a dict. Timestamps become epoch nanoseconds (the readers' epoch numbers),
marked as such (:class:`EpochNs`): the column's Parquet type says their unit, so a reader must not guess it
from their size (a time before 1973 is not a larger unit's 2000-2100).
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


def has_span_ids(path: Path) -> bool:
    """Whether a Parquet file holds spans by their ids: a flat ``context.span_id`` column (Phoenix's
    dataframe), or a ``context`` struct with a ``span_id`` (its span JSON, nested, saved as a table)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    if "context.span_id" in schema.names:
        return True
    i = schema.get_field_index("context")
    ctx = schema.field(i).type if i >= 0 else None
    return ctx is not None and pa.types.is_struct(ctx) and ctx.get_field_index("span_id") >= 0


_NS_PER = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


class EpochNs(int):
    """Nanoseconds since 1970 whose unit a Parquet timestamp / date type gave: not to be told by size."""

    __slots__ = ()


class DamagedRows(ValueError):
    """Rows of a Parquet file that cannot be decoded (a corrupt page): quarantined as one record, the reason."""


def _columns(batch: pa.RecordBatch) -> list[tuple[str, list[Any]]]:
    """Each column's name and values, times as epoch nanoseconds.

    Times are scaled in Python, value by value: an Arrow cast to ``timestamp[ns]`` fails for the whole batch
    on one time past 2262 (a year-9999 placeholder), where that row alone must be quarantined. Columns are
    taken one by one (not ``to_pylist`` rows) so that two columns of one name cannot mix their types.
    """
    import pyarrow as pa

    out = []
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        scale = None
        if pa.types.is_timestamp(col.type):
            scale, col = _NS_PER[col.type.unit], col.cast(pa.int64())
        elif pa.types.is_date32(col.type):
            scale, col = 86_400 * 10**9, col.cast(pa.int32())
        elif pa.types.is_date64(col.type):
            scale, col = 10**6, col.cast(pa.int64())
        values = col.to_pylist()
        out.append(
            (name, values if scale is None else [None if v is None else EpochNs(v * scale) for v in values])
        )
    return out


def rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | DamagedRows]]:
    """``(row number from 1, row)`` for each row, read a batch at a time; null cells are left out.

    A row group that cannot be decoded yields one :class:`DamagedRows` (at its first row not read) in
    place of its remaining rows; the next row group is read, its rows numbered as in the file.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    f = pq.ParquetFile(path)
    first = 1
    for g in range(f.num_row_groups):
        n = first
        size = f.metadata.row_group(g).num_rows
        try:
            for batch in f.iter_batches(batch_size=_BATCH_ROWS, row_groups=[g]):
                cols = _columns(batch)
                for i in range(batch.num_rows):
                    yield n, {name: values[i] for name, values in cols if values[i] is not None}
                    n += 1
        except (pa.ArrowException, OSError) as exc:
            yield (
                n,
                DamagedRows(
                    f"Parquet row group {g + 1} of {f.num_row_groups} cannot be read from row {n} "
                    f"to {first + size - 1} ({type(exc).__name__}: {str(exc).strip()[:200]})"
                ),
            )
        first += size

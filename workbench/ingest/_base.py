"""The adapter contract: an adapter reads one file and writes normalised rows into staging tables.

An adapter never touches the store's tables. It hands rows to a :class:`Stage`, which buffers them
into temporary DuckDB tables (``stage_steps``, ``stage_runs``, ``stage_edges``, ``stage_labels``,
``stage_quarantine``). The ingest driver then validates, de-duplicates, inherits agents, orders steps
and merges everything into the store in one transaction (see ``store/sql/finalize_*.sql``).

Rules for adapters
------------------
* Every source span / observation / turn becomes exactly one ``stage.step(...)`` call, or one
  ``stage.reject(...)`` call when it cannot be read. A line that cannot be parsed at all is one
  ``reject``. This is what makes ``read = stored + quarantined`` hold.
* Timestamps are integers: nanoseconds since the Unix epoch, UTC (``start_ns``, ``end_ns``).
  Use :func:`workbench.ingest._values.iso_to_ns` for ISO-8601 strings.
* ``status`` is ``'ok'``, ``'error'`` or ``'unset'``. ``kind`` is one of :data:`STEP_KINDS`.
* ``agent`` is the agent the span itself declares (``gen_ai.agent.name``, an AGENT span's name …);
  leave it ``None`` on LLM/tool spans that do not say: the driver gives them the agent of their
  nearest agent ancestor (``is_agent=True`` marks a span that opens an agent scope).
* ``attributes`` is a dict (kept as JSON); ``input`` / ``output`` are strings (dicts are dumped).
* A fast adapter may instead ``INSERT INTO`` the staging tables directly with SQL
  (``stage.con``, ``stage.file``); it must then also add those rows to ``stage.read``.
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pyarrow as pa

from ._jsonio import MAX_DEPTH, MAX_RAW_BYTES, deeper_than

STEP_KINDS = ("llm", "tool", "agent", "handoff", "human", "system", "chain", "retriever", "other")

# Largest text a single field may hold before the record is quarantined (a 10 MB attribute is a bug
# in the producer, and would make every view of the run unusable).
MAX_FIELD_BYTES = 4 * 1024 * 1024
OUTCOMES = ("success", "failure", "unknown")
EDGE_KINDS = ("handoff", "consumes")
# Timestamps are nanoseconds since 1970 that fit a signed 64-bit integer (up to the year 2262).
_NS_MAX = 2**63

STAGE_STEP_COLUMNS: dict[str, pa.DataType] = {
    "file": pa.string(),
    "line": pa.int64(),
    "run_id": pa.string(),
    "step_id": pa.string(),
    "parent_id": pa.string(),
    "agent": pa.string(),
    "is_agent": pa.bool_(),
    "kind": pa.string(),
    "name": pa.string(),
    "tool": pa.string(),
    "model": pa.string(),
    "start_ns": pa.int64(),
    "end_ns": pa.int64(),
    "latency_ms": pa.float64(),
    "status": pa.string(),
    "error": pa.string(),
    "input": pa.string(),
    "output": pa.string(),
    "tokens_in": pa.int64(),
    "tokens_out": pa.int64(),
    "cost": pa.float64(),
    "confidence": pa.float64(),
    "entropy": pa.float64(),
    "attributes": pa.string(),
    "order_hint": pa.int64(),
    "source": pa.string(),
    "raw": pa.string(),
}

STAGE_RUN_COLUMNS: dict[str, pa.DataType] = {
    "file": pa.string(),
    "line": pa.int64(),
    "run_id": pa.string(),
    "source": pa.string(),
    "system": pa.string(),
    "task": pa.string(),
    "outcome": pa.string(),
    "outcome_detail": pa.string(),
    "attributes": pa.string(),
}

STAGE_EDGE_COLUMNS: dict[str, pa.DataType] = {
    "run_id": pa.string(),
    "src_step": pa.string(),
    "dst_step": pa.string(),
    "kind": pa.string(),
}

STAGE_LABEL_COLUMNS: dict[str, pa.DataType] = {
    "run_id": pa.string(),
    "agent": pa.string(),
    "step_id": pa.string(),
    "kind": pa.string(),
    "source": pa.string(),
    "outcome": pa.string(),
    "detail": pa.string(),
}

STAGE_QUARANTINE_COLUMNS: dict[str, pa.DataType] = {
    "file": pa.string(),
    "line": pa.int64(),
    "reason": pa.string(),
    "raw": pa.string(),
    "source": pa.string(),
    "run_id": pa.string(),
    "step_id": pa.string(),
    "raw_bytes": pa.int64(),
    "raw_sha256": pa.string(),
}

_TABLES = {
    "steps": STAGE_STEP_COLUMNS,
    "runs": STAGE_RUN_COLUMNS,
    "edges": STAGE_EDGE_COLUMNS,
    "labels": STAGE_LABEL_COLUMNS,
    "quarantine": STAGE_QUARANTINE_COLUMNS,
}

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
}

_INT_FIELDS = frozenset(
    k for k, t in STAGE_STEP_COLUMNS.items() if t == pa.int64() and k not in ("line",)
)
_FLOAT_FIELDS = frozenset(k for k, t in STAGE_STEP_COLUMNS.items() if t == pa.float64())
_TEXT_FIELDS = frozenset(
    k for k, t in STAGE_STEP_COLUMNS.items() if t == pa.string() and k not in ("file", "raw")
)


class RecordError(ValueError):
    """A record that cannot be stored; the message is the quarantine reason."""


def create_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create (empty) temporary staging tables on ``con``."""
    for table, cols in _TABLES.items():
        ddl = ", ".join(f"{name} {_DUCK_TYPES[t]}" for name, t in cols.items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE stage_{table} ({ddl})")


def drop_stage_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging tables."""
    for table in _TABLES:
        con.execute(f"DROP TABLE IF EXISTS stage_{table}")


def _text(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        text = value
    elif isinstance(value, (dict, list)):
        try:
            text = json.dumps(value, ensure_ascii=False, default=str, allow_nan=False)
        except RecursionError:
            raise RecordError(f"field {field!r} is nested deeper than {MAX_DEPTH} levels (the limit)") from None
        except ValueError as exc:  # NaN or infinity (not JSON), or a circular structure handed over in memory
            raise RecordError(f"field {field!r} cannot be written as JSON: {exc}") from None
        # Nesting needs an opening bracket per level: few brackets, no walk.
        if text.count("[") + text.count("{") > MAX_DEPTH and deeper_than(value):
            raise RecordError(f"field {field!r} is nested deeper than {MAX_DEPTH} levels (the limit)")
    elif isinstance(value, (int, float, bool)):
        text = str(value)
    else:
        raise RecordError(f"field {field!r} has unsupported type {type(value).__name__}")
    if text is not None and len(text) > MAX_FIELD_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_FIELD_BYTES:
        raise RecordError(f"field {field!r} is {len(text.encode('utf-8', 'surrogatepass'))} bytes (limit {MAX_FIELD_BYTES})")
    if text is not None:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise RecordError(f"field {field!r} is not valid UTF-8 ({exc.reason})") from None
    return text


def _attributes(value: Any) -> str | None:
    """Attributes as JSON text: a dict (or JSON text of an object); anything else is a bad record."""
    if value is None or value == {} or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise RecordError("field 'attributes' is text that is not JSON") from None
        if not isinstance(parsed, dict):
            raise RecordError(f"field 'attributes' must be a JSON object (got a JSON {type(parsed).__name__})")
        return _text(value, "attributes")
    if not isinstance(value, dict):
        raise RecordError(f"field 'attributes' must be an object (got {type(value).__name__})")
    return _text(value, "attributes")


def _int(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError(f"field {field!r} must be an integer (got a boolean)")
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            pass
    if number is None:
        raise RecordError(f"field {field!r} must be an integer (got {type(value).__name__} {str(value)[:40]!r})")
    if not -(2**63) <= number < 2**63:
        raise RecordError(f"field {field!r} is out of range ({number})")
    return number


def _float(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordError(f"field {field!r} must be a number (got a boolean)")
    number: float | None = None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            raise RecordError(f"field {field!r} is out of range ({str(value)[:40]})") from None
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
    if number is None:
        raise RecordError(f"field {field!r} must be a number (got {type(value).__name__} {str(value)[:40]!r})")
    if math.isinf(number):
        raise RecordError(f"field {field!r} is infinite")
    return number


def _plain_text(value: Any, field: str) -> str | None:
    """A field that must be text when given (names, ids, enums): anything else is a bad record."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(f"field {field!r} must be text (got a {type(value).__name__})")
    return _text(value, field)


def _outcome(value: Any, field: str = "outcome") -> str | None:
    text = _plain_text(value, field)
    if text is not None and text not in OUTCOMES:
        raise RecordError(f"{field} must be success, failure or unknown (got {text[:40]!r})")
    return text


def _describe(exc: BaseException) -> str:
    """A quarantine reason for an unexpected failure while reading one record."""
    if isinstance(exc, RecursionError):
        return f"nested too deeply to read (limit {MAX_DEPTH} levels)"
    return f"cannot read record: {type(exc).__name__}: {str(exc)[:300]}"


class Stage:
    """Buffers normalised rows for one ingest call and writes them to the staging tables.

    ``read`` counts every record handed over (steps and rejects); the driver checks that
    ``read == stored + quarantined`` after merging.
    """

    flush_rows = 20_000

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str = "") -> None:
        self.con = con
        self.file = ""
        self.source = source
        self.read = 0
        self._buf: dict[str, dict[str, list]] = {
            t: {c: [] for c in [*cols, *(["_json"] if t in _JSON_COLUMNS else [])]} for t, cols in _TABLES.items()
        }
        self._n: dict[str, int] = dict.fromkeys(_TABLES, 0)
        #: The call's compressed stage database (``_stage_db.StageDB``), told of the rows put in stage_steps.
        self.stage_db: Any = None

    def steps_appended(self, rows: int) -> None:
        """Tell the stage that ``rows`` rows went into ``stage_steps`` (a fast path's INSERT, or a flush)."""
        if self.stage_db is not None:
            self.stage_db.appended(rows)

    # -- rows -------------------------------------------------------------------------------
    def step(self, *, line: int, run_id: Any, step_id: Any, raw: Any = None, compact_json: bool = False,
             **fields: Any) -> bool:
        """Stage one step; a record that fails validation is quarantined instead.

        ``compact_json``: objects and arrays in ``input`` / ``output`` / ``attributes`` are stored as
        DuckDB writes them (compact), as the native format's SQL reader stores them.
        Returns True when staged, False when quarantined.
        """
        self.read += 1
        try:
            row = self._step_row(line, run_id, step_id, fields)
            if compact_json:
                row["_json"] = _json_mask(fields, _STEP_JSON)
        except RecordError as exc:
            self._reject(line, str(exc), raw, run_id, step_id)
            return False
        except TypeError as exc:
            if str(exc).startswith("unknown step fields"):
                raise  # a bug in the adapter, not in the record
            self._reject(line, _describe(exc), raw, run_id, step_id)
            return False
        except Exception as exc:  # noqa: BLE001 - one record never costs the others
            self._reject(line, _describe(exc), raw, run_id, step_id)
            return False
        data = _raw_bytes(raw)
        row["raw"] = None if data is None else data[:MAX_RAW_BYTES].decode("utf-8", errors="backslashreplace")
        self._append("steps", row)
        return True

    def _step_row(self, line: int, run_id: Any, step_id: Any, fields: dict[str, Any]) -> dict:
        unknown = set(fields) - set(STAGE_STEP_COLUMNS)
        if unknown:
            raise TypeError(f"unknown step fields {sorted(unknown)}")  # a bug in the adapter
        if not isinstance(run_id, str) or not run_id:
            raise RecordError("missing or empty run id")
        if not isinstance(step_id, str) or not step_id:
            raise RecordError("missing or empty step id")
        row: dict[str, Any] = {"file": self.file, "line": line, "run_id": _text(run_id, "run_id"),
                               "step_id": _text(step_id, "step_id")}
        for key in STAGE_STEP_COLUMNS:
            if key in row or key == "raw":
                continue
            value = fields.get(key)
            if key in _INT_FIELDS:
                row[key] = _int(value, key)
            elif key in _FLOAT_FIELDS:
                v = _float(value, key)
                if v is not None and v != v:  # NaN means "not given"
                    v = None
                row[key] = v
            elif key == "is_agent":
                row[key] = bool(value)
            elif key == "attributes":
                row[key] = _attributes(value)
            elif key == "source":
                row[key] = value or self.source
            else:
                row[key] = _text(value, key)
        if row["kind"] is None:
            row["kind"] = "other"
        if row["kind"] not in STEP_KINDS:
            raise RecordError(f"kind must be one of {', '.join(STEP_KINDS)} (got {row['kind'][:40]!r})")
        for key, what in (("start_ns", "start time"), ("end_ns", "end time")):
            ns = row[key]
            if ns is not None and not 0 <= ns < _NS_MAX:
                raise RecordError(f"{what} is out of range ({ns} ns since 1970; the range is 1970 to 2262)")
        if row["status"] not in ("ok", "error", "unset"):
            raise RecordError(f"status must be ok, error or unset (got {row['status']!r})")
        conf = row["confidence"]
        if conf is not None and not 0.0 <= conf <= 1.0:
            raise RecordError(f"confidence must be in [0, 1] (got {conf})")
        return row

    def reject(self, *, line: int, reason: str, raw: Any = None, run_id: Any = None,
               step_id: Any = None, raw_bytes: int | None = None, raw_sha256: str | None = None) -> None:
        """Quarantine one record that could not be read.

        ``raw`` is kept up to ``MAX_RAW_BYTES``; ``raw_bytes`` / ``raw_sha256`` give the length and hash
        of the whole record when ``raw`` is only its prefix (otherwise they are computed from ``raw``).
        """
        self.read += 1
        self._reject(line, reason, raw, run_id, step_id, raw_bytes, raw_sha256)

    @contextmanager
    def guard(self, line: int, raw: Any = None, run_id: Any = None, step_id: Any = None) -> Iterator[None]:
        """Quarantine the record being read when reading it raises; the caller's loop goes on.

        Adapters wrap the reading of each record (a line, a span, an observation, a turn) in this, so
        that a failure nobody foresaw costs that record only.
        """
        try:
            yield
        except RecordError as exc:
            self.reject(line=line, reason=str(exc), raw=raw, run_id=run_id, step_id=step_id)
        except Exception as exc:  # noqa: BLE001 - one record never costs the others
            self.reject(line=line, reason=_describe(exc), raw=raw, run_id=run_id, step_id=step_id)

    def _reject(self, line: int, reason: str, raw: Any, run_id: Any, step_id: Any,
                raw_bytes: int | None = None, raw_sha256: str | None = None) -> None:
        text, size, digest = _raw_record(raw)
        self._append("quarantine", {
            "file": self.file, "line": int(line), "reason": reason, "raw": text,
            "source": self.source,
            "run_id": _short_id(run_id),
            "step_id": _short_id(step_id),
            "raw_bytes": raw_bytes if raw_bytes is not None else size,
            "raw_sha256": raw_sha256 if raw_sha256 is not None else digest,
        })

    def run(self, *, run_id: str, line: int = 0, **fields: Any) -> None:
        """Stage run-level facts (system, task, declared outcome …). Not counted in ``read``.

        Raises :class:`RecordError` on a value of the wrong type or an unknown outcome.
        """
        if not isinstance(run_id, str) or not run_id:
            raise RecordError("missing or empty run id")
        row = {c: None for c in STAGE_RUN_COLUMNS}
        row.update(file=self.file, line=line, run_id=_text(run_id, "run_id"),
                   source=fields.pop("source", self.source))
        if fields.pop("compact_json", False):
            row["_json"] = _json_mask(fields, _RUN_JSON)
        for key, value in fields.items():
            if key not in STAGE_RUN_COLUMNS:
                raise TypeError(f"unknown run field {key!r}")
            if key == "attributes":
                row[key] = _attributes(value)
            elif key == "outcome":
                row[key] = _outcome(value)
            elif key in ("system", "outcome_detail"):
                row[key] = _plain_text(value, key)
            else:
                row[key] = _text(value, key) if value is not None else None
        self._append("runs", row)

    def edge(self, *, run_id: str, src_step: str, dst_step: str, kind: str) -> None:
        """Stage a dependency between two steps ('handoff' or 'consumes'; parent edges are derived).

        Raises :class:`RecordError` when an id is not text or the kind is unknown.
        """
        row = {k: _plain_text(v, k) for k, v in
               (("run_id", run_id), ("src_step", src_step), ("dst_step", dst_step), ("kind", kind))}
        if not all(row.values()):
            raise RecordError("edge record needs run_id, src_step, dst_step and kind")
        if row["kind"] not in EDGE_KINDS:
            raise RecordError(f"edge kind must be handoff or consumes (got {row['kind'][:40]!r})")
        self._append("edges", row)

    def label(self, *, run_id: str, agent: str | None = None, step_id: str | None = None,
              kind: str | None = None, source: str = "ground_truth", outcome: str | None = None,
              detail: str | None = None) -> None:
        """Stage a known culprit (and/or outcome) of a run.

        Raises :class:`RecordError` when a field is not text or the outcome is unknown.
        """
        row = {k: _plain_text(v, k) for k, v in (("run_id", run_id), ("agent", agent), ("step_id", step_id),
                                                 ("kind", kind), ("source", source), ("detail", detail))}
        if not row["run_id"]:
            raise RecordError("label without a run id")
        row["outcome"] = _outcome(outcome)
        self._append("labels", row)

    # -- buffering --------------------------------------------------------------------------
    def _append(self, table: str, row: dict[str, Any]) -> None:
        buf = self._buf[table]
        for col in _TABLES[table]:
            buf[col].append(row.get(col))
        if table in _JSON_COLUMNS:
            buf["_json"].append(row.get("_json", 0))
        self._n[table] += 1
        if self._n[table] >= self.flush_rows:
            self._flush_table(table)

    def _flush_table(self, table: str) -> None:
        if not self._n[table]:
            return
        cols = _TABLES[table]
        buf = self._buf[table]
        arrow = pa.table({c: pa.array(buf[c], type=t) for c, t in cols.items()})
        select = "*"
        if table in _JSON_COLUMNS:
            arrow = arrow.append_column("_json", pa.array(buf["_json"], pa.int8()))
            # Flagged objects are rewritten as DuckDB writes JSON (see ``step``); bits are column positions.
            select = "* EXCLUDE (_json) REPLACE (" + ", ".join(
                f"CASE WHEN _json & {1 << i} <> 0 THEN json({c})::VARCHAR ELSE {c} END AS {c}"
                for i, c in enumerate(_JSON_COLUMNS[table])) + ")"
        view = f"_stage_batch_{table}"
        self.con.register(view, arrow)
        try:
            self.con.execute(f"INSERT INTO stage_{table} BY NAME SELECT {select} FROM {view}")
        finally:
            self.con.unregister(view)
        for col in buf:
            buf[col].clear()
        if table == "steps":
            self.steps_appended(self._n[table])
        self._n[table] = 0

    def flush(self) -> None:
        """Write every buffered row to the staging tables."""
        for table in _TABLES:
            self._flush_table(table)


_STEP_JSON = ("input", "output", "attributes")
_RUN_JSON = ("attributes",)
_JSON_COLUMNS = {"steps": _STEP_JSON, "runs": _RUN_JSON}


def _json_mask(fields: dict[str, Any], columns: tuple[str, ...]) -> int:
    """Bit i set when ``fields[columns[i]]`` is an object or array (its text is then rewritten compactly)."""
    return sum(1 << i for i, c in enumerate(columns) if isinstance(fields.get(c), (dict, list)))


def _short_id(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value[:512].encode("utf-8", errors="backslashreplace").decode("utf-8")


def _raw_bytes(raw: Any) -> bytes | None:
    if raw is None:
        return None
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw)
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="backslashreplace")
    if deeper_than(raw):
        return f"<a {type(raw).__name__} nested deeper than {MAX_DEPTH} levels>".encode()
    try:
        return json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8", errors="backslashreplace")
    except (TypeError, ValueError, RecursionError):
        try:
            return repr(raw)[:MAX_RAW_BYTES].encode("utf-8", errors="backslashreplace")
        except RecursionError:
            return f"<a {type(raw).__name__} that cannot be written out>".encode()


def _raw_record(raw: Any) -> tuple[str | None, int | None, str | None]:
    """(text kept in the quarantine, whole length in bytes, SHA-256) of a rejected record's source.

    The text is at most ``MAX_RAW_BYTES`` (cut at a character boundary); bytes that are not UTF-8
    are written as backslash escapes.
    """
    data = _raw_bytes(raw)
    if data is None:
        return None, None, None
    digest = hashlib.sha256(data).hexdigest()
    return data[:MAX_RAW_BYTES].decode("utf-8", errors="backslashreplace"), len(data), digest


class Adapter(ABC):
    """One input format. Subclasses set ``name`` and implement :meth:`sniff` and :meth:`stage`."""

    #: Short name used by ``ws.ingest(path, format=name)``.
    name: ClassVar[str]
    #: One line shown when a file matches no format.
    description: ClassVar[str] = ""

    @abstractmethod
    def sniff(self, path: Path, head: bytes) -> bool:
        """Return True when the file (whose first bytes are ``head``) looks like this format."""

    @abstractmethod
    def stage(self, path: Path, stage: Stage) -> None:
        """Read ``path`` and hand every record to ``stage``; never raise on a bad record."""


class RecordsAdapter(ABC):
    """An adapter for in-memory inputs (an iterable of records rather than a file)."""

    name: ClassVar[str]

    @abstractmethod
    def stage_records(self, records: Iterable[Any], stage: Stage) -> None:
        """Hand every record to ``stage``."""

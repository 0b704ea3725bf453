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

The staging tables' columns and DDL are :mod:`._stage_tables`'; the checks of one record's fields, and the
source text kept of a rejected one, :mod:`._fields`' (both re-exported here).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import duckdb

from ._fields import (  # noqa: F401 - MAX_FIELD_BYTES and RecordError re-exported: the adapters import them from here
    MAX_FIELD_BYTES,
    RecordError,
    _attributes,
    _describe,
    _float,
    _int,
    _outcome,
    _plain_text,
    _raw_bytes,
    _raw_record,
    _short_id,
    _text,
    id_problem,
    kind_word,
    step_row,
)
from ._jsonio import MAX_RAW_BYTES
from ._stage_tables import (  # noqa: F401 - re-exported: the adapters and the driver import them from here
    _FLOAT_FIELDS,
    _INT_FIELDS,
    _NS_MAX,
    _TABLES,
    EDGE_KINDS,
    OUTCOMES,
    STAGE_EDGE_COLUMNS,
    STAGE_LABEL_COLUMNS,
    STAGE_QUARANTINE_COLUMNS,
    STAGE_RUN_COLUMNS,
    STAGE_STEP_COLUMNS,
    STEP_KINDS,
    arrow_column,
    create_stage_tables,
    drop_stage_tables,
)


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
        #: (file, unit) -> timestamps read in seconds, ms or µs rather than nanoseconds (``_time_units``)
        self.time_units: dict[tuple[str, str], int] = {}
        self._buf: dict[str, dict[str, list]] = {
            t: {c: [] for c in [*cols, *(["_json"] if t in _JSON_COLUMNS else [])]}
            for t, cols in _TABLES.items()
        }
        self._n: dict[str, int] = dict.fromkeys(_TABLES, 0)
        #: The call's compressed stage database (``_stage_db.StageDB``), told of the rows put in stage_steps.
        self.stage_db: Any = None
        #: (trace, root span, linked trace, linked span) of every root span with one link to another trace:
        #: the traces that may continue another one's run (``_links.join_linked_runs``, after staging).
        self.root_links: list[tuple[str, str, str, str, bool]] = []
        #: The stored runs those traces' join moves in the merge's transaction (``_links.move_stored_runs``).
        self.stored_link_moves: Any = None
        #: (run, step) of the steps that act for the agent of the step before them (``_step_agents``).
        self.agent_of_previous: list[tuple[str, str]] = []
        #: (run, step, parent, agent) of the model calls whose LangGraph metadata names their node's agent: theirs
        #: when their parent is neither staged nor stored (``_step_agents.node_agents``).
        self.node_agents: list[tuple[str, str, str, str]] = []
        #: Such calls staged by a reader that does not list them (the OTLP reader): the stage is searched for them.
        self.node_calls = False
        #: The runs with steps that may act for the agent before them (AG2, LlamaIndex workflows: ``map_span``'s
        #: ``turns``), whose such steps an earlier call may have stored (``_step_agents.stored_agents_of_previous``);
        #: and the stored AG2 tool steps' error texts the merge's transaction gives them (``_ag2_errors``).
        self.turn_runs: set[str] = set()
        self.ag2_stored_errors: list[tuple[str, str, str]] = []
        #: How many stored MCP server spans the merge's transaction makes steps of a call (``_mcp_served``).
        self.mcp_served_stored = 0
        #: (file, line, run, step, input, output, raw) of the log records read and not yet written to the
        #: temporary table stage_span_log_rows (``_otlp_logs``), and how many this call wrote there.
        self.span_logs: list[tuple] = []
        self.span_logs_written = 0
        self.span_logs_matched = False  # (stage_span_logs made: the merge attaches them, may quarantine some)
        self.same_calls_asked = True  # (merge_same_calls ran: fold_stored_same_calls may have tables to read)
        self.unnamed = (
            False  # (staged_unnamed made: the merge keeps the steps the naming rules named, _stored_rules)
        )
        self.derived = False  # (staged_derived made: the merge keeps the tool steps read out of messages)
        self.handoffs = False  # (staged_handoffs made: the merge keeps the hand-offs the rule named)
        self.haystack = False  # (haystack_spans typed staged spans: the merge names stored runs by them)
        self.node_named = False  # (staged_node_agents named some: the merge keeps them, _stored_rules)
        # (a staged tool step whose input may be text, a staged model step of a held run: the tool text rule's
        # stored side may have work, _stored_rules; the driver says when not)
        self.tool_text = (True, True)

    def steps_appended(self, rows: int) -> None:
        """Tell the stage that ``rows`` rows went into ``stage_steps`` (a fast path's INSERT, or a flush)."""
        if self.stage_db is not None:
            self.stage_db.appended(rows)

    # -- rows -------------------------------------------------------------------------------
    def step(
        self,
        *,
        line: int,
        run_id: Any,
        step_id: Any,
        raw: Any = None,
        compact_json: bool = False,
        **fields: Any,
    ) -> bool:
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
        return step_row(self.file, line, run_id, step_id, fields, self.source)

    def reject(
        self,
        *,
        line: int,
        reason: str,
        raw: Any = None,
        run_id: Any = None,
        step_id: Any = None,
        raw_bytes: int | None = None,
        raw_sha256: str | None = None,
    ) -> None:
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

    def _reject(
        self,
        line: int,
        reason: str,
        raw: Any,
        run_id: Any,
        step_id: Any,
        raw_bytes: int | None = None,
        raw_sha256: str | None = None,
    ) -> None:
        text, size, digest = _raw_record(raw)
        self._append(
            "quarantine",
            {
                "file": self.file,
                "line": int(line),
                "reason": reason,
                "raw": text,
                "source": self.source,
                "run_id": _short_id(run_id),
                "step_id": _short_id(step_id),
                "raw_bytes": raw_bytes if raw_bytes is not None else size,
                "raw_sha256": raw_sha256 if raw_sha256 is not None else digest,
            },
        )

    def run(self, *, run_id: str, line: int = 0, **fields: Any) -> None:
        """Stage run-level facts (system, task, declared outcome …). Not counted in ``read``.

        Raises :class:`RecordError` on a value of the wrong type or an unknown outcome.
        """
        if not isinstance(run_id, str) or not run_id:
            raise RecordError(id_problem(run_id, "run id"))
        row = {c: None for c in STAGE_RUN_COLUMNS}
        row.update(
            file=self.file,
            line=line,
            run_id=_text(run_id, "run_id"),
            source=fields.pop("source", self.source),
        )
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
            elif key in ("start_ns", "end_ns"):
                if value is not None and not 0 <= value < _NS_MAX:
                    what = "start" if key == "start_ns" else "end"
                    raise RecordError(
                        f"run {what} time is out of range ({value} ns since 1970; the range is 1970 to 2262)"
                    )
                row[key] = value
            else:
                row[key] = _text(value, key) if value is not None else None
        self._append("runs", row)

    def edge(self, *, run_id: str, src_step: str, dst_step: str, kind: str) -> None:
        """Stage a dependency between two steps ('handoff' or 'consumes'; parent edges are derived).

        Raises :class:`RecordError` when an id is not text or the kind is unknown.
        """
        row = {
            k: _plain_text(v, k)
            for k, v in (("run_id", run_id), ("src_step", src_step), ("dst_step", dst_step), ("kind", kind))
        }
        if not all(row.values()):
            raise RecordError("edge record needs run_id, src_step, dst_step and kind")
        row["kind"] = kind_word(row["kind"])
        if row["kind"] not in EDGE_KINDS:
            raise RecordError(f"edge kind must be handoff or consumes (got {row['kind'][:40]!r})")
        self._append("edges", row)

    def label(
        self,
        *,
        run_id: str,
        agent: str | None = None,
        step_id: str | None = None,
        kind: str | None = None,
        source: str = "ground_truth",
        outcome: str | None = None,
        detail: str | None = None,
        given_by: str | None = None,
    ) -> None:
        """Stage a known culprit (and/or outcome) of a run; ``given_by``: the person who gave it (None: a log).

        Raises :class:`RecordError` when a field is not text or the outcome is unknown.
        """
        row = {
            k: _plain_text(v, k)
            for k, v in (
                ("run_id", run_id),
                ("agent", agent),
                ("step_id", step_id),
                ("kind", kind),
                ("source", source),
                ("detail", detail),
                ("given_by", given_by),
            )
        }
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
        import pyarrow as pa  # (here: the SQL fast paths never hand rows over one by one, see arrow_type; arrow_column builds the columns without pandas)

        cols = _TABLES[table]
        buf = self._buf[table]
        arrow = pa.table({c: arrow_column(buf[c], t) for c, t in cols.items()})
        select = "*"
        if table in _JSON_COLUMNS:
            arrow = arrow.append_column("_json", arrow_column(buf["_json"], "TINYINT"))
            # Flagged objects are rewritten as DuckDB writes JSON (see ``step``); bits are column positions.
            select = (
                "* EXCLUDE (_json) REPLACE ("
                + ", ".join(
                    f"CASE WHEN _json & {1 << i} <> 0 THEN json({c})::VARCHAR ELSE {c} END AS {c}"
                    for i, c in enumerate(_JSON_COLUMNS[table])
                )
                + ")"
            )
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


class Adapter(ABC):
    """One input format. Subclasses set ``name`` and implement :meth:`sniff` and :meth:`stage`."""

    #: Short name used by ``ws.ingest(path, format=name)``.
    name: ClassVar[str]
    #: One line shown when a file matches no format.
    description: ClassVar[str] = ""
    #: Whether :meth:`stage` reads Parquet files (the others read text: JSON, JSONL, CSV).
    reads_parquet: ClassVar[bool] = False

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

"""Mapped spans into ``stage_steps``, faster than one :meth:`Stage.step` call each (:class:`StepSink`), and the
store's keep-or-quarantine judgement of one mapped span for the live guard (:func:`stored_reason`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from ._agent_ids import TraceAgentIds
from ._fields import MAX_FIELD_BYTES, SHORT_CHARS, RecordError, _describe, plain_values, step_row
from ._stage_tables import _NS_MAX, STAGE_STEP_COLUMNS, arrow_column

if TYPE_CHECKING:  # (not at run time: a live guard maps spans with this module and imports no duckdb)
    from ._base import Stage


_STEP_COLS = (
    "line",
    "run_id",
    "step_id",
    "parent_id",
    "agent",
    "is_agent",
    "kind",
    "name",
    "tool",
    "model",
    "start_ns",
    "end_ns",
    "latency_ms",
    "status",
    "error",
    "input",
    "output",
    "tokens_in",
    "tokens_out",
    "cost",
    "confidence",
    "entropy",
    "attributes",
    "order_hint",
    "raw",
)


def kept_as_is(m: dict[str, Any], name: Any, attrs_json: Any, check_sizes: bool) -> bool:
    """Whether the store keeps a span mapped to ``m`` with no conversion and no doubt (the common case);
    any other span goes through the stage's own check (:func:`step_row`), which converts or quarantines it."""
    agent, tool, model = m["agent"], m["tool"], m["model"]
    fast = (
        plain_values(m["tokens_in"], m["tokens_out"], m["cost"], m["confidence"], m["entropy"])
        and (agent is None or agent.__class__ is str)
        and (tool is None or tool.__class__ is str)
        and (model is None or model.__class__ is str)
        and (attrs_json is None or attrs_json.__class__ is str)
    )
    if fast and check_sizes:
        fast = not any(
            x is not None and len(x) > SHORT_CHARS
            for x in (name, m["input"], m["output"], m["error"], attrs_json, agent, tool, model)
        )
    return fast


def stored_reason(
    m: dict[str, Any], name: Any, start: int | None, end: int | None, run_id: str, step_id: str
) -> str | None:
    """Why the store would quarantine a span :func:`map_span` mapped to ``m`` (None: it keeps the span), by
    the check :meth:`StepSink.add` applies (:func:`kept_as_is`, else the stage's :func:`step_row`), and the
    time range the OTLP reader holds the span's times to. For the live guard: a span the store quarantines
    is no step of the backtest's."""
    attrs = m["attributes"]
    try:
        attrs_json = orjson.dumps(attrs).decode() if attrs else None
    except TypeError:  # an int beyond 64 bits, a non-string key …: let the stage judge
        attrs_json = attrs
    if (
        kept_as_is(m, name, attrs_json, True)
        and (start is None or 0 <= start < _NS_MAX)
        and (end is None or 0 <= end < _NS_MAX)
    ):
        return None
    try:
        step_row(
            None,
            0,
            run_id,
            step_id,
            {
                "agent": m["agent"],
                "is_agent": m["is_agent"],
                "kind": m["kind"],
                "name": name,
                "tool": m["tool"],
                "model": m["model"],
                "start_ns": start,
                "end_ns": end,
                "input": m["input"],
                "output": m["output"],
                "error": m["error"],
                "tokens_in": m["tokens_in"],
                "tokens_out": m["tokens_out"],
                "cost": m["cost"],
                "confidence": m["confidence"],
                "entropy": m["entropy"],
                "attributes": attrs_json,
                # (the reader gives every span one of its three: nothing of the span's to judge)
                "status": "unset",
            },
        )
    except RecordError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - as the stage: any failure reading one record quarantines it
        return _describe(exc)
    return None


class StepSink:
    """Stages mapped spans as steps, faster than one :meth:`Stage.step` call each.

    Rows whose values are plainly valid (the common case) are buffered as tuples and inserted into
    ``stage_steps`` in Arrow batches, counted in ``stage.read``; any row with a value that needs
    converting or might be invalid goes through :meth:`Stage.step`, which converts or quarantines it
    exactly as for any adapter. Both routes give the same rows.

    Parameters
    ----------
    stage
        The ingest call's stage.
    keep_raw
        Store each span's source JSON in ``stage_steps.raw`` (what the driver copies to the quarantine
        when it rejects a duplicate or a cycle).
    batch
        Rows per insert.
    """

    def __init__(self, stage: Stage, keep_raw: bool = True, batch: int = 50_000) -> None:
        self.stage = stage
        self.keep_raw = keep_raw
        self.batch = batch
        self.rows: list[tuple] = []
        self.max_field_bytes = MAX_FIELD_BYTES
        #: Readable names of the agents the file's traces name only by an identifier (the readers rename them).
        self.agent_ids = TraceAgentIds()

    def add(
        self,
        line: int,
        run_id: str,
        step_id: str,
        parent_id: str | None,
        name: Any,
        start: int | None,
        end: int | None,
        status: str,
        m: dict[str, Any],
        order: int,
        raw: Any,
        check_sizes: bool,
    ) -> None:
        """Stage one step: ids, times and status from the source, the rest from :func:`map_span`."""
        attrs = m["attributes"]
        try:
            attrs_json = orjson.dumps(attrs).decode() if attrs else None
        except TypeError:  # an int beyond 64 bits, a non-string key …: let the stage judge
            attrs_json = attrs
        tin, tout, cost, conf, ent = m["tokens_in"], m["tokens_out"], m["cost"], m["confidence"], m["entropy"]
        agent, tool, model, error = m["agent"], m["tool"], m["model"], m["error"]
        fast = kept_as_is(m, name, attrs_json, check_sizes)
        latency = (end - start) / 1e6 if start is not None and end is not None else None
        inp, out = m["input"], m["output"]
        if not fast:
            self.stage.step(
                line=line,
                run_id=run_id,
                step_id=step_id,
                raw=raw,
                parent_id=parent_id,
                agent=agent,
                is_agent=m["is_agent"],
                kind=m["kind"],
                name=name,
                tool=tool,
                model=model,
                start_ns=start,
                end_ns=end,
                latency_ms=latency,
                status=status,
                error=error,
                input=inp,
                output=out,
                tokens_in=tin,
                tokens_out=tout,
                cost=cost,
                confidence=conf,
                entropy=ent,
                attributes=attrs_json,
                order_hint=order,
            )
            return
        self.stage.read += 1
        if not self.keep_raw:
            raw = None
        elif isinstance(raw, (bytes, bytearray)):
            raw = bytes(raw).decode("utf-8", "backslashreplace")
        elif raw is not None and raw.__class__ is not str:
            try:
                raw = orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS).decode()
            except TypeError:
                raw = str(raw)
        self.rows.append(
            (
                line,
                run_id,
                step_id,
                parent_id,
                agent,
                m["is_agent"],
                m["kind"],
                name,
                tool,
                model,
                start,
                end,
                latency,
                status,
                error,
                inp,
                out,
                tin,
                tout,
                cost,
                conf,
                ent,
                attrs_json,
                order,
                raw,
            )
        )
        if len(self.rows) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Insert the buffered rows into ``stage_steps``."""
        rows = self.rows
        if not rows:
            return
        self.rows = []
        import pyarrow as pa  # (here, not with the module: see _stage_tables.arrow_type)

        cols = list(zip(*rows, strict=True))
        # (arrow_column, not pa.array: that imports pandas)
        table = pa.table(
            {c: arrow_column(v, STAGE_STEP_COLUMNS[c]) for c, v in zip(_STEP_COLS, cols, strict=True)}
        )
        con = self.stage.con
        view = f"_wb_steps_{id(self)}"
        con.register(view, table)
        try:
            con.execute(
                f"INSERT INTO stage_steps BY NAME SELECT *, $file AS file, $source AS source FROM {view}",
                {"file": self.stage.file, "source": self.stage.source},
            )
        finally:
            con.unregister(view)
        self.stage.steps_appended(len(rows))

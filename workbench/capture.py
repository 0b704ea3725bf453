"""Live capture: an OpenTelemetry ``SpanExporter`` that writes a running system's spans into a workspace.

Three lines point a live agent system at the workbench::

    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from workbench.capture import WorkspaceSpanExporter
    provider.add_span_processor(BatchSpanProcessor(WorkspaceSpanExporter(wb.open("live.duckdb"))))

Each exported batch is encoded exactly as the OpenTelemetry Collector's file exporter writes OTLP JSON
(hex ids, integer enums, 64-bit integers as strings), spooled to one JSONL line and ingested by the
OTLP adapter, so the rows are those the adapter stores from the Collector's file of the same spans
(only the ``file`` column, which names the spool file, differs). A batch that cannot be stored (the
store busy in another transaction, say) stays in the spool folder and is retried with the next batch.

An export only spools its batch (``background=True``, the default): a thread of the exporter's stores the spool,
oldest first, taking the store's write lock (``ws._writes``, which the notebook's ingests, labels and
``wb.detect``'s store take) as they do. The SDK's ``BatchSpanProcessor`` drops the spans that do not fit its queue
(2,048 by default) while an export runs, so an export that stored its batch itself lost spans whenever the store
was slow to take them: waiting for a long ingest's lock, or sharing the cores with a detect
(bench/detect_lock.py). A batch on disk is never lost: one that cannot be stored stays spooled for the next try.
``force_flush`` and ``shutdown`` wait until every spooled batch is stored; :meth:`WorkspaceSpanExporter.pending`
counts those that wait. ``background=False``: an export stores its batch before it returns, unless another write
holds the lock (then the thread stores it, and the export does not wait).
"""

from __future__ import annotations

import base64
import json
import logging
import math
import os
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workbench._params import user_path

try:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "workbench.capture needs the OpenTelemetry SDK: pip install 'workbench[capture]' "
        "(or opentelemetry-sdk)"
    ) from exc

from . import _capture_spool as _spool
from .workspace import Workspace

__all__ = ["WorkspaceSpanExporter", "otlp_json"]

_log = logging.getLogger("workbench.capture")


class WorkspaceSpanExporter(SpanExporter):
    """Write finished spans into ``ws`` (use it inside a ``BatchSpanProcessor``).

    Parameters
    ----------
    ws : Workspace
        A writable workspace. The exporter writes through its own cursor on the workspace's
        database, so the exporting thread never shares a connection with the notebook's.
    spool_dir : path, optional
        Where batches are spooled before ingest (a temporary folder by default). Exporters may share it: each
        stores only the batches it spooled. Batches a killed session's exporter left there are stored by the next
        exporter of the same store file (its owner provably gone: ``_capture_spool.py``); others left (another
        store's, an in-memory one's) are said, and :meth:`store_leftovers` stores them here.
    keep : bool
        Keep ingested spool files (an OTLP JSONL trail any tool can read) instead of deleting them.
    background : bool
        False (default): an export stores its batch (and any left over) before it returns, so the provider's
        ``force_flush()`` leaves every span queryable; when another write holds the store's write lock (a
        ``wb.detect``, a big ingest) it spools the batch for a thread of the exporter's to store and returns at
        once, never keeping the SDK's worker waiting. True: every export only spools its batch (for a system whose
        span rate outruns the store's ingests on busy cores); then ``exporter.force_flush()`` waits for the store.
    """

    def __init__(
        self,
        ws: Workspace,
        spool_dir: str | os.PathLike[str] | None = None,
        keep: bool = False,
        background: bool = False,
    ) -> None:
        if ws.read_only:
            raise ValueError(f"{ws!r} is read-only: live capture needs a writable workspace")
        self._ws = Workspace(ws.con.cursor(), ws.path, False)
        self._ws._writes = (
            ws._writes
        )  # (its ingests wait for the notebook's detects and ingests, and they for it)
        self._own_dir = spool_dir is None
        self.spool_dir = (
            Path(user_path(spool_dir, "spool spans into"))
            if spool_dir is not None
            else Path(tempfile.mkdtemp(prefix="wb-capture-"))
        )
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        self.background = background
        self._lock = threading.Lock()  # (the spool's names, and the thread below)
        self._n = 0
        # (this exporter's batches' names end in it: two exporters sharing a spool_dir, two notebooks' say, each store
        # only their own batches, not each other's into the wrong store)
        self._tag = uuid.uuid4().hex[:12]
        taken: list[Path] = []
        self._owner_lock: int | None = None
        if not self._own_dir:
            # (held while this exporter lives: an exporter made after this process dies knows it is gone, and stores
            # the batches it left when they were for its store: _capture_spool.py)
            self._owner_lock = _spool.claim(self.spool_dir, self._tag, self._ws.path)
            if (
                self._owner_lock is not None
            ):  # (an exporter dropped without shutdown() lets go of it when collected)
                self._lock_closer = weakref.finalize(self, os.close, self._owner_lock)
            taken, left = _spool.take_over(self.spool_dir, self._tag, self._ws.path, everything=False)
            if taken:
                _log.warning(
                    "%s: storing %d spooled batch(es) an exporter of this store left when its process died (e.g. %s)",
                    self.spool_dir,
                    len(taken),
                    taken[0].name,
                )
            if left:
                _log.warning(
                    "%s holds %d spooled batch(es) no exporter of this workspace stored (a live exporter's, or left "
                    "by a session that was killed, of another store or before exporters marked their batches' "
                    "owner): this exporter stores only its own; exporter.store_leftovers() stores those no live "
                    "exporter owns here, ws.ingest(path) one (e.g. %s)",
                    self.spool_dir,
                    len(left),
                    left[0].name,
                )
        self._closed = False
        self._drainer: threading.Thread | None = None  # (stores the spool once the write lock is free)
        self._storing = threading.Lock()  # (one pass over the spool at a time; taken before the write lock)
        self._dirty = False  # (a batch was spooled since the drainer last looked)
        self.exported = 0  # spans stored so far
        self.deferred = 0  # batches the exporter's thread stored (all, in the background; else those spooled
        #                            while another write held the lock)
        if taken:
            self._dirty = True
            self._drain_later()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Spool a batch of finished spans for the exporter's thread to store (``background=False``: store it, and
        any batch left over from a failed export, unless another write holds the store's write lock)."""
        if self._closed:
            return SpanExportResult.FAILURE
        if not spans:
            return SpanExportResult.SUCCESS
        with self._lock:
            self._n += 1
            path = self.spool_dir / f"spans-{time.time_ns()}-{self._n:06d}-{self._tag}.jsonl"
            part = path.with_name(
                path.name + ".part"
            )  # (renamed complete: a pass over the spool never reads half)
            part.write_text(json.dumps(otlp_json(spans), separators=(",", ":")) + "\n", encoding="utf-8")
            os.replace(part, path)
            self._dirty = True
        writes = self._ws._writes
        if self.background or not self._storing.acquire(blocking=False):
            self._drain_later()
            return SpanExportResult.SUCCESS  # (on disk, stored by the thread)
        try:
            if not writes.acquire(blocking=False):  # (another write holds it: the thread stores the batch)
                self._drain_later()
                return SpanExportResult.SUCCESS
            try:
                return SpanExportResult.SUCCESS if self._store_spool() else SpanExportResult.FAILURE
            finally:
                writes.release()
        finally:
            self._storing.release()

    def _store_spool(self) -> bool:
        """Ingest every spooled batch, oldest first, each under the write lock (taken batch by batch: a backlog does
        not keep the notebook's writes waiting for all of it); False when one failed (it and those after it stay for
        the next export). The caller holds ``_storing``."""
        with self._lock:
            self._dirty = (
                False  # (a batch spooled from here on is globbed below, or looked for by the drainer)
            )
        for pending in self._spooled():
            try:
                with self._ws._writes:
                    report = self._ws.ingest(pending, format="otlp", progress=False)
            except Exception as exc:  # noqa: BLE001 - the exporter must not raise into the SDK
                _log.warning("could not store %s (kept for the next export): %s", pending, exc)
                return False
            self.exported += report.stored
            if self.keep:
                pending.rename(pending.with_suffix(".done.jsonl"))
            else:
                pending.unlink()
        return True

    def store_leftovers(self) -> int:
        """Store in this workspace the batches others left in the ``spool_dir`` that no live exporter owns (a killed
        session's, of this store or another, or spooled before exporters marked their batches' owner): each taken
        once (renamed to this exporter's), then stored as its own, oldest first; a batch that cannot be read is
        quarantined, costing only itself. How many batches were taken; they are stored when this returns unless a
        store failed (kept for the next export, as any batch)."""
        if self._own_dir:
            return 0  # (a folder of its own: nobody else's batches)
        taken, _ = _spool.take_over(self.spool_dir, self._tag, self._ws.path, everything=True)
        if taken:
            with self._storing:
                self._store_spool()
        return len(taken)

    def pending(self) -> int:
        """The batches this exporter spooled and has not stored yet."""
        return len(self._spooled())

    def _spooled(self) -> list[Path]:
        # (its own, oldest first: a stored one kept is '-<tag>.done.jsonl', which the pattern leaves out)
        return sorted(self.spool_dir.glob(f"spans-*-{self._tag}.jsonl"))

    def _drain_later(self) -> None:
        """Have the drainer store the spool once the write lock is free (started unless it runs)."""
        with self._lock:
            self.deferred += 1
            if self._drainer is None:
                self._drainer = threading.Thread(
                    target=self._drain, name="workbench-capture-store", daemon=True
                )
                self._drainer.start()

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._dirty:  # (under the lock the exports set it by: none is left unlooked for)
                    self._drainer = None
                    return
            with self._storing:
                stored = self._store_spool()
            if not stored:
                with self._lock:  # (kept for the next export, as a failed export's batch is)
                    self._drainer = None
                return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Wait (at most ``timeout_millis``) until every spooled batch is stored; whether they are."""
        deadline = time.monotonic() + timeout_millis / 1000
        drainer = self._drainer
        if drainer is not None:
            drainer.join(max(0.0, deadline - time.monotonic()))
        if not self._storing.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return False
        try:
            return self._store_spool()
        finally:
            self._storing.release()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            drainer = self._drainer
        if drainer is not None:
            drainer.join()
        with self._storing:
            self._store_spool()  # (what is spooled is stored before the workspace closes)
        with self._lock:
            self._ws.close()
            # (a batch left unstored keeps the lock file: an exporter of this store made later takes it over)
            if self._owner_lock is not None and self._lock_closer.detach() is not None:
                _spool.release(self._owner_lock, self.spool_dir, self._tag, drop=not self._spooled())
            self._owner_lock = None
            if self._own_dir and not self.keep and not any(self.spool_dir.iterdir()):
                self.spool_dir.rmdir()


# -- OTLP JSON, as the Collector's file exporter writes it ------------------------------------------
def otlp_json(spans: Sequence[ReadableSpan]) -> dict[str, Any]:
    """One ``{"resourceSpans": [...]}`` document for ``spans``: grouped by resource, then scope."""
    by_resource: dict[int, tuple[Any, dict[Any, list[ReadableSpan]]]] = {}
    for span in spans:
        entry = by_resource.setdefault(id(span.resource), (span.resource, {}))
        scope = span.instrumentation_scope
        key = (scope.name, scope.version, scope.schema_url) if scope is not None else None
        entry[1].setdefault(key, []).append(span)
    resource_spans = []
    for resource, scopes in by_resource.values():
        scope_spans = []
        for key, group in scopes.items():
            block: dict[str, Any] = {}
            if key is not None:
                name, version, schema_url = key
                block["scope"] = {k: _text(v) for k, v in (("name", name), ("version", version)) if v}
                if schema_url:
                    block["schemaUrl"] = _text(schema_url)
            block["spans"] = [_span(s) for s in group]
            scope_spans.append(block)
        rs: dict[str, Any] = {
            "resource": {"attributes": _attributes(resource.attributes if resource else {})},
            "scopeSpans": scope_spans,
        }
        if resource is not None and resource.schema_url:
            rs["schemaUrl"] = _text(resource.schema_url)
        resource_spans.append(rs)
    return {"resourceSpans": resource_spans}


def _span(span: ReadableSpan) -> dict[str, Any]:
    ctx = span.context
    out: dict[str, Any] = {
        "traceId": f"{ctx.trace_id:032x}",
        "spanId": f"{ctx.span_id:016x}",
        "parentSpanId": f"{span.parent.span_id:016x}" if span.parent is not None else "",
        "name": _text(span.name),
        "kind": span.kind.value + 1,  # the SDK's INTERNAL is 0, OTLP's SPAN_KIND_INTERNAL is 1
        "startTimeUnixNano": str(span.start_time or 0),
        "endTimeUnixNano": str(span.end_time or 0),
        "attributes": _attributes(span.attributes or {}),
    }
    if span.events:
        out["events"] = [
            {
                "timeUnixNano": str(e.timestamp),
                "name": _text(e.name),
                "attributes": _attributes(e.attributes or {}),
            }
            for e in span.events
        ]
    if span.links:
        out["links"] = [
            {
                "traceId": f"{link.context.trace_id:032x}",
                "spanId": f"{link.context.span_id:016x}",
                "attributes": _attributes(link.attributes or {}),
            }
            for link in span.links
        ]
    status: dict[str, Any] = {}
    if span.status.description:
        status["message"] = _text(span.status.description)
    if span.status.status_code.value:
        status["code"] = span.status.status_code.value  # UNSET 0, OK 1, ERROR 2, as in OTLP
    out["status"] = status
    return out


def _attributes(attrs: Any) -> list[dict[str, Any]]:
    return [{"key": _text(str(k)), "value": _value(v)} for k, v in attrs.items()]


def _value(v: Any) -> dict[str, Any]:
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        # NaN and the infinities as proto3's JSON mapping (and the Collector) writes them: json.dumps' bare NaN
        # token made the batch's line broken JSON, and every span of the batch was quarantined for one value
        return {"doubleValue": v if math.isfinite(v) else _NON_FINITE[str(v)]}
    if isinstance(v, bytes):
        return {"bytesValue": base64.b64encode(v).decode("ascii")}
    if isinstance(v, (list, tuple)):
        return {"arrayValue": {"values": [_value(x) for x in v]}}
    return {"stringValue": _text(str(v))}


_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _text(s: Any) -> Any:
    """``s`` as UTF-8 can hold it: a lone surrogate (text cut inside a pair, say) becomes U+FFFD. Written as
    ``\\ud800`` it made the batch's line one no JSON reader takes, and the whole batch was quarantined."""
    try:
        s.encode("utf-8")
    except AttributeError:  # not text (a name the SDK was given as None): written as it is, as before
        return s
    except UnicodeEncodeError:
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s

"""Whether both readers (the SQL fast paths, OTLP and native JSONL, and the Python reader) store the same rows
for a file: the store each gives and what differs between two stores; and the check, run as each test of a
module that writes trace files ends (tests/ingest/conftest.py), that both readers store the same rows for every
OTLP or native file the test wrote. tests/ingest/test_reader24_agreement.py says why and what else it compares.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.native import NativeJsonl
from workbench.ingest.otlp import OtlpJson

_TABLES = {
    "runs": "SELECT * FROM runs ORDER BY run_id",
    "steps": "SELECT * FROM steps ORDER BY run_id, step_id",
    "edges": "SELECT * FROM edges ORDER BY ALL",
    "labels": "SELECT * EXCLUDE (created_at) FROM labels ORDER BY ALL",
    "quarantine": "SELECT * EXCLUDE (created_at) FROM quarantine ORDER BY file, line, reason, step_id, occurrence, raw_sha256 NULLS LAST",
}
_JSON_COLUMNS = {"attributes", "params"}
_RAW = ("raw", "raw_bytes", "raw_sha256")


@contextlib.contextmanager
def readers(fast: bool | None) -> Iterator[None]:
    """The registry's OTLP and native adapters set to one reader (True: SQL, False: Python, None: by size),
    and put back as they were (a registry left switched changes what later tests of the worker read)."""
    adapters = [a for a in ADAPTERS if isinstance(a, (OtlpJson, NativeJsonl))]
    assert {type(a) for a in adapters} == {OtlpJson, NativeJsonl}
    before = [a.fast for a in adapters]
    for a in adapters:
        a.fast = fast
    try:
        yield
    finally:
        for a, was in zip(adapters, before, strict=True):
            a.fast = was


def _value(column: str, value: Any) -> Any:
    if column in _JSON_COLUMNS and isinstance(value, str):
        return json.loads(value)
    return value


def store(source: Path | list[Path], fast: bool | None, fmt: str | None = None) -> dict[str, Any]:
    """Every table of the store one ingest call of ``source`` gives, read by the reader ``fast`` names."""
    with readers(fast):
        ws = wb.open()
        report = ws.ingest(source, format=fmt, progress=False)
    tables: dict[str, Any] = {"report": (report.read, report.stored, report.quarantined)}
    for table, query in _TABLES.items():
        cur = ws.con.execute(query)
        cols = [c[0] for c in cur.description]
        tables[table] = [{c: _value(c, v) for c, v in zip(cols, row, strict=True)} for row in cur.fetchall()]
    ws.close()
    return tables


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """What differs between two stores, one line a cell (empty: the same)."""
    out = []
    if a["report"] != b["report"]:
        out.append(f"report (read, stored, quarantined): {a['report']} != {b['report']}")
    for table in _TABLES:
        ra, rb = a[table], b[table]
        if len(ra) != len(rb):
            out.append(f"{table}: {len(ra)} rows != {len(rb)}")
            continue
        for x, y in zip(ra, rb, strict=True):
            for col in x:
                if table == "quarantine" and col in _RAW and (x["raw"] is None or y["raw"] is None):
                    continue
                if x[col] != y[col]:
                    where = x.get("step_id") or x.get("run_id") or x.get("line")
                    out.append(f"{table}.{col} [{where}]: {str(x[col])[:300]!r} != {str(y[col])[:300]!r}")
    return out


def assert_same(path: Path | list[Path], fmt: str | None = None) -> dict[str, Any]:
    sql, python = store(path, True, fmt), store(path, False, fmt)
    assert not differences(sql, python), "\n".join(differences(sql, python))
    return sql


def _runs_across_units(tables: dict[str, Any], units: list[list[Path]]) -> dict[str, list[int]]:
    """The runs of one call's store that took rows from files of more than one of ``units`` (by each step's and
    quarantined record's file), with the units they came from."""
    unit_of = {str(p): n for n, unit in enumerate(units) for p in unit}
    seen: dict[str, set[int]] = {}
    for row in tables["steps"] + tables["quarantine"]:
        if row.get("run_id") and row.get("file") in unit_of:
            seen.setdefault(row["run_id"], set()).add(unit_of[row["file"]])
    return {run: sorted(n) for run, n in seen.items() if len(n) > 1}


def _joinable(path: Path) -> tuple[str, bool] | None:
    """(format, gzip) of a file whose lines can be read as lines of another file, else None: OTLP or native
    JSONL (a BOM is a file's start, not a line's: left alone)."""
    from workbench.ingest._driver import choose_adapter

    data = path.read_bytes()
    packed = data[:2] == b"\x1f\x8b"
    with contextlib.suppress(OSError, EOFError, gzip.BadGzipFile):
        data = gzip.decompress(data) if packed else data
        if data and not data.startswith(b"\xef\xbb\xbf") and choose_adapter(path).name in _TWO_READERS:
            return choose_adapter(path).name, packed
    return None


def _joined(units: list[list[Path]], folder: Path) -> tuple[list[Path], dict[str, list[tuple[int, Path]]]]:
    """The files one call reads for ``units``: the one-file units of a format (plain or gzip) as one file of
    their lines, one after the other (a unit's lines as they are, a newline put after a last line without one),
    the others as they are; and, for each joined file, where each unit's lines begin in it.

    Why: the SQL reader costs ~0.2 CPU s a file whatever its size (a small file's spans statement), most of
    what a fixture costs to compare, and the lines of files naming no trace or run id in common are read
    alike one file or many (the same argument as one call for many files, assert_same_each). Each file's
    text, gzip or plain, still goes through its reader's every rule; the readers' handling of a file's start
    and end is compared on the multi-file units, the 64 KB line tests and the gzip tests of
    test_reader24_agreement.py."""
    groups: dict[tuple[str, bool], list[Path]] = {}
    rest: list[Path] = []
    for unit in units:
        kind = _joinable(unit[0]) if len(unit) == 1 else None
        if kind is None:
            rest.extend(unit)
        else:
            groups.setdefault(kind, []).append(unit[0])
    files, starts = [], {}
    for (fmt, packed), paths in groups.items():
        if len(paths) == 1:
            rest.extend(paths)
            continue
        out = (folder / f"joined-{len(files)}.{fmt}.jsonl").resolve()
        chunks, at, starts[str(out)] = [], 1, []
        for p in paths:
            data = p.read_bytes()
            data = gzip.decompress(data) if packed else data
            data += b"" if data.endswith(b"\n") else b"\n"
            starts[str(out)].append((at, p))
            chunks.append(data)
            at += data.count(b"\n")
        text = b"".join(chunks)
        out.write_bytes(gzip.compress(text, mtime=0) if packed else text)
        files.append(out)
    return files + rest, starts


def _as_read_alone(tables: dict[str, Any], starts: dict[str, list[tuple[int, Path]]]) -> dict[str, Any]:
    """``tables`` with each row read from a joined file given the file and line it came from."""
    for rows in tables.values():
        for row in rows if isinstance(rows, list) else ():
            where = starts.get(row.get("file") or "")
            if where and row.get("line") is not None:
                at, path = next((a, p) for a, p in reversed(where) if a <= row["line"])
                # (a step's order hint: its line, then its place in the line)
                if (row.get("order_hint") or 0) >> 24 == row["line"]:
                    row["order_hint"] -= (at - 1) << 24
                row["file"], row["line"] = str(path.resolve()), row["line"] - at + 1
    if starts:  # (in _TABLES' order again, by the files read)
        key = ("file", "line", "reason", "step_id", "occurrence", "raw_sha256")
        tables["quarantine"].sort(
            key=lambda r: [
                (r[k] is None, r[k] or 0 if k in ("line", "occurrence") else r[k] or "") for k in key
            ]
        )
    return tables


def assert_same_each(units: list[list[Path]], names: list[str] | None = None) -> dict[str, Any]:
    """Both readers store the same rows for each unit of ``units`` (a file, or files read in one call), all of
    them read in ONE ingest call per reader instead of one a unit: a call's fixed cost (~35 statements, ~0.2 CPU
    s) is most of what a small file costs, and the suite reads some 200. The units must be independent, no run of
    one continued, linked or logged in another: then one call's store is the union of each unit's own (so it was
    for the checked-in fixtures in independent_batches, each reader, table by table: suite47's notes), and the
    two readers' stores differ where a unit's would. Checked here too: a run with rows from two units
    makes each unit compared alone, as is a difference found (to name the unit: ``names``, else its files)."""
    with tempfile.TemporaryDirectory(prefix="wb-agree-") as folder:
        files, starts = _joined(units, Path(folder)) if len(units) > 1 else (units[0], {})
        sql, python = (_as_read_alone(store(files, fast), starts) for fast in (True, False))
    if len(units) > 1 and (
        _runs_across_units(sql, units) or _runs_across_units(python, units) or differences(sql, python)
    ):
        for n, unit in enumerate(units):
            try:
                assert_same(unit if len(unit) > 1 else unit[0])
            except AssertionError as e:
                raise AssertionError(f"{names[n] if names else [str(p) for p in unit]}: {e}") from None
    where = f"{names[0] if names else [str(p) for p in units[0]]}: " if len(units) == 1 else ""
    assert not differences(sql, python), where + "\n".join(differences(sql, python))
    return sql


_IDS = re.compile(rb'"(?:traceId|trace_id|run_id)"\s*:\s*"([^"]{1,200})"')
# A trace id as a Node.js Buffer (``JSON.stringify`` of an OpenTelemetry JS SDK's span: test_otlp_js_objects.py)
_BUFFER_IDS = re.compile(
    rb'"traceId"\s*:\s*\{\s*"type"\s*:\s*"Buffer"\s*,\s*"data"\s*:\s*\[([\d,\s]{1,400})\]'
)


def ids_of(unit: list[Path]) -> frozenset[bytes]:
    """The trace and run ids a unit's files name (OTLP spans, links and log records, also as Node.js Buffers; native
    records), lower case: two units naming none in common can share no run. Empty where none is found (then the unit is read alone)."""
    out: set[bytes] = set()
    for p in unit:
        data = p.read_bytes()
        with contextlib.suppress(OSError, EOFError, gzip.BadGzipFile):
            data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
        for found in _IDS.findall(data):
            # (an id as it is and, where it reads as base64, as hex: the SDK's base64 and the Collector's hex
            # spellings of one trace are one id)
            out.add(found.lower())
            with contextlib.suppress(ValueError):
                out.add(base64.b64decode(found, validate=True).hex().encode())
        for found in _BUFFER_IDS.findall(
            data
        ):  # (its bytes as hex: the id the readers store; not bytes: left out)
            with contextlib.suppress(ValueError):
                out.add(bytes(int(b) for b in found.split(b",") if b.strip()).hex().encode())
    return frozenset(out)


def independent_batches(units: list[list[Path]]) -> list[list[int]]:
    """``units`` (their indices) in batches that name no trace or run id in common, first fit; a unit whose ids
    were not found makes a batch of its own."""
    batches: list[tuple[list[int], set[bytes]]] = []
    for n, unit in enumerate(units):
        ids = ids_of(unit)
        home = next((b for b in batches if ids and b[1] and not (ids & b[1])), None) if ids else None
        if home is None:
            batches.append(([n], set(ids)))
        else:
            home[0].append(n)
            home[1].update(ids)
    return [b[0] for b in batches]


# An id field's value, as _IDS finds it (the text between its quotes, no escape in it)
_ID_FIELD = re.compile(rb'"(?:traceId|trace_id|run_id)"\s*:\s*"([^"\\]{1,200})"')
_HEX32 = re.compile(rb"[0-9a-f]{32}|[0-9A-F]{32}")
_B64_16 = re.compile(rb"[A-Za-z0-9+/]{22}==")


def _new_id(value: bytes, n: int) -> bytes | None:
    """``value``, a trace id (32 hex digits, or base64 of 16 bytes as the SDK's JSON writes it) or a run id, as the
    ``n``-th unit's own: a trace id's 16 bytes made others (as random as before: a hash), in the same spelling, a
    run id given a suffix; None for a trace id of zeros (the invalid id, whose handling a new one would hide)."""
    if _HEX32.fullmatch(value) or _B64_16.fullmatch(value):
        raw = bytes.fromhex(value.decode()) if len(value) == 32 else base64.b64decode(value)
        if not any(raw):
            return None
        new = hashlib.sha256(b"%d:" % n + raw).digest()[:16]
        if len(value) == 24:
            return base64.b64encode(new)
        return new.hex().encode() if value.islower() or value.isdigit() else new.hex().upper().encode()
    return value + b"~u%d" % n


def _spellings(value: bytes) -> set[bytes]:
    """The ways a file may write the id ``value``: a trace id's bytes as hex in either case and as base64."""
    if _HEX32.fullmatch(value) or _B64_16.fullmatch(value):
        raw = bytes.fromhex(value.decode()) if len(value) == 32 else base64.b64decode(value)
        return {raw.hex().encode(), raw.hex().upper().encode(), base64.b64encode(raw)}
    return {value}


def _buffer_renamed(m: re.Match[bytes], buffers: dict[bytes, bytes]) -> bytes:
    """A Node.js Buffer id's text with its bytes the unit's own (each number replaced, the spaces kept)."""
    raw = bytes(int(b) for b in m.group(1).split(b",") if b.strip())
    own = iter(buffers[raw])
    start = m.start(1) - m.start(0)
    whole = m.group(0)
    return (
        whole[:start]
        + re.sub(rb"\d+", lambda _: b"%d" % next(own), m.group(1))
        + whole[m.end(1) - m.start(0) :]
    )


def renamed(unit: list[Path], n: int, folder: Path) -> list[Path] | None:
    """Copies of ``unit``'s files under ``folder`` (same names, gzip kept) whose trace and run ids are the
    ``n``-th unit's own, every byte else as it was; None where that cannot be done without changing what the
    files say: no id found, an id that is no trace id in a trace id's field (or of zeros) or has an escape in
    it, or an id also written as a JSON string other than in an id field (an attribute or
    a message naming the trace: renamed there, it would link nothing).

    Why: units naming an id in common were each a batch of their own (independent_batches), two ingest calls
    apiece, most of what the comparison cost (the tests of one module mostly write edits of one trace); units
    given ids of their own share a batch. The readers' handling of ids themselves (spellings, zeros, odd
    values) is compared on the units left as they are and in test_reader24_agreement.py."""
    texts = []
    for p in unit:
        try:
            data = p.read_bytes()
            packed = data[:2] == b"\x1f\x8b"
            data = gzip.decompress(data) if packed else data
        except (OSError, EOFError, gzip.BadGzipFile):  # (read as they are: the readers say what is wrong)
            return None
        if len(_IDS.findall(data)) != len(_ID_FIELD.findall(data)):
            return None
        texts.append((p, data, packed))
    new: dict[bytes, bytes] = {}
    fields: dict[bytes, int] = {}
    buffers: dict[bytes, bytes] = {}  # (a Buffer id's bytes -> the unit's own)
    for _, data, _ in texts:
        for m in _BUFFER_IDS.finditer(data):
            raw = [int(b) for b in m.group(1).split(b",") if b.strip()]
            if len(raw) != 16 or not all(0 <= b < 256 for b in raw) or not any(raw):
                return None
            hexed = bytes(raw).hex().encode()
            buffers[bytes(raw)] = bytes.fromhex(_new_id(hexed, n).decode())  # type: ignore[union-attr]
            fields[hexed] = fields.get(hexed, 0)  # (its spellings may be written in id fields only)
        for m in _ID_FIELD.finditer(data):
            value = m.group(1)
            is_trace = m.group(0).startswith((b'"traceId"', b'"trace_id"'))
            if is_trace and not (_HEX32.fullmatch(value) or _B64_16.fullmatch(value)):
                return None
            if value not in new:
                got = _new_id(value, n)
                if got is None:
                    return None
                new[value] = got
            fields[value] = fields.get(value, 0) + 1
    if not (new or buffers) or len(set(new.values())) != len(new):
        return None
    for value in [*new, *(raw.hex().encode() for raw in buffers)]:
        for spelt in _spellings(value):
            written = sum(
                d.count(b'"' + spelt + b'"') + d.count(b'\\"' + spelt + b'\\"') for _, d, _ in texts
            )
            if written != fields.get(spelt, 0):
                return None
    out = []
    for j, (p, data, packed) in enumerate(texts):
        text = _ID_FIELD.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + new[m.group(1)] + b'"', data)
        text = _BUFFER_IDS.sub(lambda m: _buffer_renamed(m, buffers), text)
        copy = folder / f"u{n}" / str(j) / p.name
        copy.parent.mkdir(parents=True)
        copy.write_bytes(gzip.compress(text, mtime=0) if packed else text)
        out.append(copy)
    return out


# The modules whose tests write the framework and format fixtures of the suite (each file in a format of two
# readers, OTLP or native, is read by both: WrittenFiles below).
WRITERS = (
    # OTLP per framework
    "test_fw1_framework_shapes",  # OpenAI Agents (OpenInference), smolagents, CrewAI, LlamaIndex
    "test_framework_agent_names",  # BeeAI, Agent Framework, PydanticAI, LangGraph, AgentOps
    "test_real12_dspy_react",
    "test_real12_langgraph_state",
    "test_real14_ag2",
    "test_real14_logfire",
    "test_real14_mlflow",
    "test_real14_langfuse_otel",
    "test_real15_formats",
    "test_real16_beeai",
    "test_real16_langchain_tool_message",
    "test_real17_exception_cause",
    "test_real17_negative_counts",
    "test_real17_workflow_build",
    "test_real18_mastra",
    "test_real18_openai_agents_js",
    "test_real18_vercel_ai",
    "test_real20_adk",
    "test_real20_langgraph_js",
    "test_real20_strands",
    "test_real22_langgraph_js",
    "test_real22_same_call",
    "test_real23_agent_framework_handoff",
    "test_llmetry13_traceloop",
    "test_llmetry13_otlp_logs",
    "test_logs14_span_logs",
    "test_logs14_traceloop_orphans",
    "test_left19_ag2_same_microsecond_calls",
    "test_links13_loop_agents",
    "test_links12_span_links",
    "test_attack21_adk_hostile",
    "test_integ18_logs_of_linked_traces",
    "test_otlp",
    "test_otlp_js_objects",
    "test_otlp_time_units",
    "test_real33_langchain_subagents",  # an OpenInference export edited (its agent names in a metadata object)
    # native JSONL (and not here: test_real22_vercel_ai_runs reads the checked-in files below, realingest11_completion
    # and attack20 write the console exporter's and openai-agents' own formats, of one reader each)
    "test_native_file",
    "test_native_fast",
    "test_native_stage",
    "test_bad_records",
)
_TWO_READERS = ("otlp", "native")
# Modules whose files cost 15-40 s each to read twice (when their tests were also run again to write them): left to
# a run with WORKBENCH_READER_HARVEST=all (the whole set agreed at stop 24 but for the lenient lines below), so the
# suite keeps inside its 15 minutes on 2 cores.
SLOW_WRITERS = {
    "test_logs14_span_logs",
    "test_native_file",
    "test_bad_records",
    "test_llmetry13_otlp_logs",
    "test_real22_same_call",
    "test_left19_ag2_same_microsecond_calls",
    "test_real17_workflow_build",
}
if os.environ.get("WORKBENCH_READER_HARVEST") != "all":
    WRITERS = tuple(m for m in WRITERS if m not in SLOW_WRITERS)
# Files written to show a difference the readers keep on purpose: not compared here. (None since lenient25: a
# lenient JSON line, a trailing comma or 1e999, is quarantined by both readers, see _lenient_scan.)
APART: set[str] = set()


def _two_reader_files(folder: Path) -> list[Path]:
    from workbench.ingest._driver import choose_adapter

    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".duckdb" not in p.name):
        with contextlib.suppress(Exception):
            if choose_adapter(path).name in _TWO_READERS:
                out.append(path)
    return out


# The most bytes of renamed units read in one call a reader (a call's memory; a few MB read in a second or two)
BATCH_BYTES = 8_000_000


class WrittenFiles:
    """The files the tests of WRITERS wrote, gathered as each test ends and compared when the worker's last test
    of this directory is done: read by both readers in a few calls (assert_same_each, on batches naming no trace
    or run id in common: the tests of one module mostly write the same ids, those of different modules seldom)
    rather than in two calls a file. The same bytes under the same name, from another test or module (a shared
    fixture), are read once."""

    def __init__(self) -> None:
        self.compared: set[tuple[tuple[str, bytes], ...]] = set()
        self.pending: list[tuple[list[Path], str]] = []

    def check(self, item: pytest.Item) -> None:
        """Keeps each OTLP or native file ``item`` wrote in its ``tmp_path``, alone, and all of them as one call
        (spans and their log records, runs split over files, as the test read them). Tests of the modules in
        WRITERS whose only marks are ``parametrize`` (a test marked slow, xfail or skipif was never one of them);
        read after the test and its fixtures ended."""
        module = item.module.__name__ if isinstance(item, pytest.Function) else ""
        folder = item.funcargs.get("tmp_path") if module in WRITERS else None
        if (
            folder is None
            or item.name.split("[")[0] in APART
            or any(m.name != "parametrize" for m in getattr(item.function, "pytestmark", []))
        ):
            return
        files = _two_reader_files(folder)
        for paths in [[p] for p in files] + ([files] if len(files) > 1 else []):
            key = tuple(
                (p.relative_to(folder).as_posix(), hashlib.sha256(p.read_bytes()).digest()) for p in paths
            )
            if key not in self.compared:
                self.compared.add(key)
                self.pending.append((paths, item.nodeid))

    def flush(self) -> None:
        """Both readers store the same rows for each file set kept (a difference names the test that wrote it):
        the sets whose ids can be made their own (:func:`renamed`) in one batch, the others by the ids they name.
        Every batch is read, whatever one before it found: one error names every test whose files the readers
        store differently. (Run between modules, once FLUSH_AT files are kept, and at the worker's end, it is
        reported as an error at the teardown of whichever test ran then: the message says so, and which tests wrote
        the files.)"""
        units, self.pending = self.pending, []
        found = []
        with tempfile.TemporaryDirectory(prefix="wb-renamed-") as folder:
            # (the units whose ids can be made their own, in batches of at most BATCH_BYTES; the rest by the ids
            # they name)
            own, left = [], []
            for n, (paths, name) in enumerate(units):
                copies = renamed(paths, n, Path(folder))
                (own if copies else left).append((copies or paths, name))
            batches: list[list[tuple[list[Path], str]]] = []
            size = BATCH_BYTES
            for unit in own:
                if size >= BATCH_BYTES:
                    batches.append([])
                    size = 0
                batches[-1].append(unit)
                size += sum(p.stat().st_size for p in unit[0])
            batches += [[left[n] for n in b] for b in independent_batches([paths for paths, _ in left])]
            for batch in batches:
                try:
                    assert_same_each([paths for paths, _ in batch], [name for _, name in batch])
                except AssertionError as e:
                    found.append(str(e))
        if found:
            raise AssertionError(
                f"the two readers store differently what {len(found)} test(s) wrote (tests/ingest/_reader_agreement.py: "
                "compared where a module ended or the worker did, so reported at the teardown of the test that ran "
                "then, not the one that wrote them; each "
                "difference below begins with the test that wrote the files):\n" + "\n".join(found)
            )

"""Text as real systems write it: Windows and old Mac line ends, byte-order marks, UTF-16 / UTF-32 (PowerShell's ``>``)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import workbench as wb

T0 = 1_767_225_600_000_000_000


def _native() -> str:
    recs = [{"record": "run", "run_id": "r1", "outcome": "failure"}] + [
        {
            "run_id": "r1",
            "step_id": f"s{i}",
            "parent_id": "s0" if i else None,
            "agent": "a",
            "kind": "llm",
            "started_at": T0 + i,
            "ended_at": T0 + i + 5,
            "input": f"ünï {i} 😀",
        }
        for i in range(3)
    ]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n"


def _otlp_line(i: int) -> str:
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": f"eee19b7ec3c1b17{i}",
        "name": f"chat ü{i}",
        "startTimeUnixNano": str(T0 + i),
        "endTimeUnixNano": str(T0 + i + 5),
        "kind": 1,
        "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}],
    }
    return json.dumps(
        {
            "resourceSpans": [
                {"resource": {"attributes": []}, "scopeSpans": [{"scope": {"name": "t"}, "spans": [span]}]}
            ]
        },
        ensure_ascii=False,
    )


def _openinference() -> str:
    return "".join(
        json.dumps(
            {
                "name": f"n{i}",
                "span_kind": "LLM",
                "context.trace_id": "t1",
                "context.span_id": f"s{i}",
                "start_time": "2026-01-01T00:00:00Z",
                "end_time": "2026-01-01T00:00:01Z",
                "status_code": "OK",
            }
        )
        + "\n"
        for i in range(3)
    )


def _langfuse() -> str:
    obs = [
        {
            "id": f"o{i}",
            "traceId": "t1",
            "type": "SPAN",
            "name": "x",
            "startTime": "2026-01-01T00:00:00Z",
            "parentObservationId": "o0" if i else None,
        }
        for i in range(3)
    ]
    return json.dumps({"trace": {"id": "t1"}, "observations": obs}, indent=2) + "\n"


def _whowhen() -> str:
    return (
        json.dumps(
            {
                "question": "q",
                "question_ID": "x1",
                "history": [
                    {"content": "hi", "role": "A"},
                    {"content": "yo", "role": "B"},
                    {"content": "ok", "role": "A"},
                ],
                "mistake_agent": "A",
                "mistake_step": "0",
            },
            indent=2,
        )
        + "\n"
    )


FILES = {
    "native": ("x.jsonl", _native()),
    "otlp": ("x.jsonl", "".join(_otlp_line(i) + "\n" for i in range(3))),
    "otlp-document": ("x.json", json.dumps(json.loads(_otlp_line(0)), indent=2, ensure_ascii=False)),
    "openinference": ("x.jsonl", _openinference()),
    "langfuse": ("x.json", _langfuse()),
    "whowhen": ("x.json", _whowhen()),
}
ENCODINGS = {
    "utf8-bom-crlf": lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(),
    "utf16-le": lambda t: t.encode("utf-16"),  # (with its mark, little-endian here)
    "utf32-be-crlf": lambda t: b"\x00\x00\xfe\xff" + t.replace("\n", "\r\n").encode("utf-32-be"),
    # without a mark (.NET's Encoding.Unicode, Python's "utf-16-le"): told by where the NULs fall
    "utf16-be-unmarked": lambda t: t.encode("utf-16-be"),
    "utf32-le-unmarked-gzip": lambda t: gzip.compress(t.encode("utf-32-le")),
    # classic Mac OS line ends (CR only), plain, gzipped, and in UTF-16
    "mac-cr": lambda t: t.replace("\n", "\r").encode(),
    "mac-cr-gzip": lambda t: gzip.compress(t.replace("\n", "\r").encode()),
    "utf16-mac-cr": lambda t: t.replace("\n", "\r").encode("utf-16"),
}


def test_every_format_reads_the_same_in_every_encoding(tmp_path: Path) -> None:
    # every format's plain file in one call, then every format in every encoding in one call (each file is told
    # its encoding and format alone, among files of the other formats and encodings); where they are not all
    # read alike, each again in a store of its own, to name the format and encoding
    ws = wb.open()
    plain, encoded = {}, {}
    for fmt, (name, text) in sorted(FILES.items()):
        plain[fmt] = tmp_path / f"plain-{fmt}-{name}"
        plain[fmt].write_bytes(text.encode())
        for encoding, encode in ENCODINGS.items():
            encoded[fmt, encoding] = tmp_path / f"{encoding}-{fmt}-{name}"
            encoded[fmt, encoding].write_bytes(encode(text))
    first = ws.ingest(list(plain.values()))
    assert first.stored >= len(FILES) and first.quarantined == 0

    def same(report: wb.IngestReport, first: wb.IngestReport, files: int) -> bool:
        # the same records with the same content: nothing new, and no conflict with what is stored
        return (report.read, report.stored, report.quarantined, report.added) == (
            first.read * files,
            first.stored * files,
            0,
            0,
        )

    if not same(ws.ingest(list(encoded.values())), first, len(ENCODINGS)):
        for (fmt, encoding), path in encoded.items():
            alone = wb.open()
            one = alone.ingest(plain[fmt])
            assert one.stored >= 1 and one.quarantined == 0, fmt
            assert same(alone.ingest(path), one, 1), (fmt, encoding)
        raise AssertionError("each format and encoding is read alike alone, not in one call")
    # `cat a b` of two exports each written with a mark (Windows tools): the second mark opened a line mid-file,
    # which cost that line (a run record, an OTLP batch), and of two pretty-printed documents both records. Here
    # `a` also ends with no newline ("\n".join's, json.dump's, Who&When's): its last record and b's first on one
    # line ({...}{...}) were quarantined together, and documents ("\n}{") both
    cat = []
    for fmt, (name, text) in sorted(FILES.items()):
        cat.append(tmp_path / f"cat-{fmt}-{name}")
        cat[-1].write_bytes(b"\xef\xbb\xbf" + text.encode().rstrip(b"\n") + b"\xef\xbb\xbf" + text.encode())
    both = ws.ingest(cat)
    assert (both.read, both.stored, both.quarantined) == (2 * first.read, 2 * first.stored, 0), both.errors


def test_utf16_gzip_and_an_undecodable_unit_cost_only_their_record(tmp_path: Path) -> None:
    data = _native().encode("utf-16-le")
    # a lone surrogate (D800, not followed by a low one) in the second record's text
    bad = data.replace("s1".encode("utf-16-le"), b"\x00\xd8" + "1".encode("utf-16-le"), 1)
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(gzip.compress(b"\xff\xfe" + bad))
    ws = wb.open()
    report = ws.ingest(path)
    assert (report.stored, report.quarantined) == (2, 1)  # (the run record is no step)
    row = ws.quarantine().iloc[0]
    assert row["line"] == 3 and "UTF-8" in row["reason"], row["reason"]


def test_gzip_is_told_by_its_bytes_not_its_name(tmp_path: Path) -> None:
    # (three names in one call: each file is told by its own bytes; the same spans thrice, stored once)
    paths = [tmp_path / name for name in ("x.jsonl", "x.jsonl.gzip", "download")]
    for path in paths:
        path.write_bytes(gzip.compress(FILES["otlp"][1].encode()))
    report = wb.open().ingest(paths)
    assert (report.stored, report.quarantined, report.added, len(report.files)) == (9, 0, 3, 3)


def test_other_compressions_are_named_not_read_as_text(tmp_path: Path) -> None:
    import bz2
    import lzma

    text = FILES["native"][1].encode()
    (tmp_path / "a.jsonl.bz2").write_bytes(bz2.compress(text))
    (tmp_path / "b.jsonl.xz").write_bytes(lzma.compress(text))
    with pytest.raises(wb.FormatError, match="compressed with bzip2.*decompress it first"):
        wb.open().ingest(tmp_path / "a.jsonl.bz2")
    # a store beside its traces (open_path writes one there; --db may name one in the folder read), and its
    # write-ahead log: named for what they are, with how to read a store (they were "not in any known format")
    # and its Parquet export beside the logs: one line, not its 20 files' "not in any known format"
    log = tmp_path / "native.jsonl"
    log.write_text(FILES["native"][1])
    store = wb.open(tmp_path / "traces.duckdb")
    store.ingest(log)
    store.export(tmp_path / "export")
    store.close()
    log.unlink()
    (tmp_path / "traces.duckdb.wal").write_bytes(b"\x00" * 64)
    report = wb.open().ingest(tmp_path)  # in a folder: skipped, with the same reason
    assert report.read == 0 and sorted(report.skipped) == [
        f"{tmp_path / 'a.jsonl.bz2'}: compressed with bzip2, which is not read (gzip is): decompress it first",
        f"{tmp_path / 'b.jsonl.xz'}: compressed with xz, which is not read (gzip is): decompress it first",
        f"{tmp_path / 'export'}: a workbench store's Parquet export (Workspace.export), not logs: ingest it in a "
        "call of its own (it is merged as a store), or wb.open() it",
        f"{tmp_path / 'traces.duckdb.wal'}: the write-ahead log of the DuckDB database traces.duckdb, not a log",
        f"{tmp_path / 'traces.duckdb'}: a DuckDB database (a workbench store is one), not a log: wb.open() of "
        "this path opens a store as it is; to merge a store's runs into another, export it (.export('DIR/')) "
        "and ingest DIR/",
    ]
    with pytest.raises(wb.FormatError, match="DuckDB database .* not a log: wb.open"):
        wb.open().ingest(tmp_path / "traces.duckdb")


def test_old_mac_line_ends_number_lines_as_the_file_shows_them(tmp_path: Path) -> None:
    # A broken second line is quarantined as line 2, the others are read: a file whose lines end in CR
    # was one line (one broken record) or in no known format. (A file a format, all in one call.)
    ws = wb.open()
    paths, read = {}, []
    for fmt in ("native", "otlp", "openinference"):
        lines = FILES[fmt][1].splitlines()
        paths[fmt] = tmp_path / f"mac-{fmt}.jsonl"
        paths[fmt].write_bytes("\r".join([lines[0], '{"broken', *lines[1:]]).encode() + b"\r")
        read.append(len(lines) - (fmt == "native") + 1)  # (the native file's first line is its run record)
    report = ws.ingest(list(paths.values()))
    assert (report.read, report.stored, report.quarantined) == (sum(read), sum(read) - 3, 3)
    for fmt, path in paths.items():
        lines = FILES[fmt][1].splitlines()
        file = str(path.resolve())
        assert ws.sql("SELECT line FROM quarantine WHERE file = ?", [file]).fetchall() == [(2,)], fmt
        assert ws.sql("SELECT min(line), max(line) FROM steps WHERE file = ?", [file]).fetchall() == [
            (1 + 2 * (fmt == "native"), len(lines) + 1)
        ], fmt


def test_old_mac_line_ends_in_a_labels_file(tmp_path: Path) -> None:
    ws = wb.open()
    (tmp_path / "x.jsonl").write_text(_native())
    ws.ingest(tmp_path / "x.jsonl")
    for name, text in (
        ("l.csv", "run_id,agent,kind\rr1,a,hallucination\r"),
        (
            "l.jsonl",
            '{"run_id": "r1", "agent": "a", "kind": "wrong_tool"}\r{"run_id": "r1", "outcome": "success"}\r',
        ),
    ):
        (tmp_path / name).write_bytes(text.encode())
        assert ws.label_file(tmp_path / name) == text.count("\r") - name.endswith(".csv"), name


@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_a_line_end_split_between_two_reads_is_told(tmp_path: Path, end: str) -> None:
    # The first line's CR is the last byte of the first 1 MiB read: CR alone, or CR then LF in the next read.
    from workbench.ingest._jsonio import _CHUNK

    rec = {"run_id": "r1", "step_id": "s0", "kind": "llm", "input": ""}
    rec["input"] = "x" * (_CHUNK - 1 - len(json.dumps(rec)))
    lines = [json.dumps(rec), json.dumps({"run_id": "r1", "step_id": "s1", "kind": "llm"})]
    assert len(lines[0]) == _CHUNK - 1
    path = tmp_path / "split.jsonl"
    path.write_bytes(end.join(lines).encode() + end.encode())
    ws = wb.open()
    report = ws.ingest(path, format="native")  # (a first line longer than the head sniffed)
    assert (report.stored, report.quarantined) == (2, 0)
    assert ws.sql("SELECT step_id, line, length(input) FROM steps ORDER BY line").fetchall() == [
        ("s0", 1, len(rec["input"])),
        ("s1", 2, None),
    ]

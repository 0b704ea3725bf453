"""Reading JSON and JSONL input files: gzip, byte-order marks, line numbering and size limits, once.

Every limit here is on *decompressed* bytes and is enforced while streaming, so a small ``.gz`` that
inflates to a gigabyte costs no more memory than a plain file of the limit's size:

* a JSONL line longer than :data:`MAX_LINE_BYTES` is quarantined (a prefix, its length and SHA-256)
  without being held in memory;
* a whole JSON document longer than :data:`MAX_DOCUMENT_BYTES` likewise;
* a compressed stream that breaks (truncated, corrupt) keeps every line read before the break, and the
  break itself is quarantined with the file and the decompressed byte offset where it happened.

Functions take an optional ``stage``: with one, oversized lines and breaks become quarantine records;
without one (sniffing), they are cut to a bounded prefix or end the stream quietly.

The depth limit and its pre-check are :mod:`._depth`'s (re-exported here); a file read value by value
(JSONL, one document, indented documents one after another) is :mod:`._documents`'.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._depth import (  # noqa: F401 - re-exported: the readers import the limits from here
    MAX_DEPTH,
    deeper_than,
    depth_error,
    may_be_deep,
    peel_brackets,
    structure,
)
from ._json_surrogates import mended_chunks

if TYPE_CHECKING:
    from ._base import Stage

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1024 * 1024
_DECODER = json.JSONDecoder()
_BETWEEN_VALUES = " \t\r\n\ufeff"


def joined_values(line: bytes) -> list[bytes] | None:
    """The text of each JSON object or array of a line holding several one after another, or None.

    ``cat a.jsonl b.jsonl`` where ``a`` has no newline at its end (``"\\n".join(lines)`` writes none) joins
    its last record and ``b``'s first on one line, ``{...}{...}`` (``b``'s byte-order mark maybe between):
    the line was quarantined whole, both records with it. Only the boundaries are found here; each value is
    parsed again by the reader's own parser. None when the line is not such values from end to end.
    """
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    out: list[bytes] = []
    i = 0
    while True:
        while i < len(text) and text[i] in _BETWEEN_VALUES:
            i += 1
        if i == len(text):
            return out if len(out) > 1 else None
        if text[i] not in "{[":
            return None
        try:
            _, end = _DECODER.raw_decode(text, i)
        except (ValueError, RecursionError):
            return None
        out.append(text[i:end].encode("utf-8"))
        i = end


#: Longest JSONL line (one record) read; a longer line is quarantined by its prefix, length and hash.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: Longest single JSON document (a file that is not JSONL) read whole.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024
#: Files smaller than this are read line by line in Python rather than by the SQL fast paths (OTLP and native
#: JSONL), which stage the same rows (tests/ingest/test_otlp_fast.py, test_native_file.py) but whose big
#: statements cost ~50-70 ms CPU to plan whatever the file's size: more than Python takes for a file of this
#: size (a 46 KB OTLP file of 100 spans, load ~15: 0.29-0.33 CPU s a call in Python against 0.43-0.49 with
#: the SQL path; at 180-260 KB about even; bench/ingest_small.py).
SQL_MIN_BYTES = 64 * 1024


def sql_path(fast: bool | None, path: Path) -> bool:
    """Whether a reader's SQL fast path reads ``path``: ``fast`` True or False says so, None (the readers'
    default) leaves it to the file's size (:data:`SQL_MIN_BYTES`)."""
    return fast if fast is not None else path.stat().st_size >= SQL_MIN_BYTES


#: Longest prefix of a rejected record's source text kept in the quarantine.
MAX_RAW_BYTES = 1024 * 1024


def is_gzip(path: Path) -> bool:
    """True when ``path`` ends in ``.gz`` or starts with gzip's magic bytes (a ``.gzip``, a name without one)."""
    if path.suffix == ".gz":
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"\x1f\x8b"
    except OSError:
        return False  # (the reader's own open says why)


# Other compressions' magic bytes: such a file is named for what it is, not tried as text.
_COMPRESSED = (
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"PK\x03\x04", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)


def compression_of(head: bytes) -> str | None:
    """The name of a compression other than gzip that ``head`` (a file's first bytes) starts with."""
    return next((name for magic, name in _COMPRESSED if head.startswith(magic)), None)


# Byte-order marks of the encodings JSON may come in besides UTF-8 (RFC 8259 asks for UTF-8, but Windows
# PowerShell's ">" writes UTF-16 with a mark): such text is read as UTF-8. UTF-32 first: its little-endian
# mark starts with UTF-16's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def _mark_undecodable(exc: UnicodeDecodeError) -> tuple[str, int]:
    # A lone surrogate: written out with "surrogatepass" it makes its line invalid UTF-8, which the
    # readers quarantine (with the line's bytes) instead of storing text with a guess in it.
    return "\udcff", exc.end


codecs.register_error("workbench.mark", _mark_undecodable)


def _after_bom(head: bytes) -> bytes:
    for bom in (_BOM, *(b for b, _ in _BOMS)):
        if head.startswith(bom):
            return head[len(bom) :]
    return head


def _decoder(head: bytes) -> codecs.IncrementalDecoder | None:
    """A decoder to UTF-8's code points for a file in UTF-16 / UTF-32 (by its mark, else by its first bytes)."""
    wide = None if head.startswith(_BOM) else wide_encoding(head)
    return codecs.getincrementaldecoder(wide[0])("workbench.mark") if wide else None


# Where the NULs fall in the first four bytes of JSON text without a mark (RFC 4627, section 3: its first two
# characters are ASCII): .NET's Encoding.Unicode and Python's "utf-16-le" write no mark. 0 a NUL, 1 not.
_UNMARKED = (
    ((0, 0, 0, 1), "utf-32-be"),
    ((1, 0, 0, 0), "utf-32-le"),
    ((0, 1, 0, 1), "utf-16-be"),
    ((1, 0, 1, 0), "utf-16-le"),
)


def wide_encoding(head: bytes) -> tuple[str, int] | None:
    """The UTF-16 / UTF-32 encoding of text starting with ``head`` (by its byte-order mark, else by where the NULs
    fall) and the length of its mark; None for UTF-8."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    encoding = unmarked_encoding(head)
    return (encoding, 0) if encoding else None


def unmarked_encoding(head: bytes) -> str | None:
    """The encoding of text in UTF-16 / UTF-32 without a byte-order mark, told by its first four bytes, else
    None (UTF-8: its text never has a NUL among its first characters)."""
    if len(head) < 4 or any(b >= 0x80 for b in head[:4]):
        return None
    pattern = tuple(int(b != 0) for b in head[:4])
    return next((encoding for nuls, encoding in _UNMARKED if nuls == pattern), None)


def _headed(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    """``chunks`` with the first ones joined until they hold ``size`` bytes (or the whole, shorter, input)."""
    head = b""
    for chunk in chunks:
        if head is not None:
            head += chunk
            if len(head) < size:
                continue
            chunk, head = head, None
        yield chunk
    if head:
        yield head


def _mac_line_ends(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """``chunks`` with each ``\r`` made ``\n`` when the text's first line ends in a lone ``\r`` (classic Mac OS).

    Byte for byte, so offsets stay those of the file. A raw CR in JSON is whitespace or a line end (in a
    string it must be escaped), so the first one tells: followed by LF it is Windows' CRLF (read as is,
    the readers strip the CR), else the file ends its lines in CR. Chunks before the first CR or LF are
    the same either way and pass as they are; a CR that ends a chunk waits for the next byte.
    """
    held = b""  # a CR that ended the last chunk, before the first line end was told
    for chunk in chunks:
        chunk = held + chunk
        held = b""
        cr, lf = chunk.find(b"\r"), chunk.find(b"\n")
        if cr < 0 and lf < 0:
            yield chunk
            continue
        if cr == len(chunk) - 1 and lf < 0:
            if chunk[:-1]:
                yield chunk[:-1]
            held = b"\r"
            continue
        if cr < 0 or 0 <= lf < cr or chunk[cr + 1 : cr + 2] == b"\n":
            yield chunk
            yield from chunks  # LF or CRLF line ends: nothing to change
            return
        yield chunk.replace(b"\r", b"\n")
        for rest in chunks:
            yield rest.replace(b"\r", b"\n")
        return
    if held:
        yield b"\n"


class _Stream:
    """Decompressed chunks of one file; remembers where (and why) a compressed stream broke.

    gzip is inflated here with :mod:`zlib` in bounded steps rather than through :class:`gzip.GzipFile`,
    whose ``read`` loses what it inflated when the stream turns out to be cut.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0  # decompressed bytes handed out
        self.compressed_offset = 0  # compressed bytes consumed
        self.broken: str | None = None

    def chunks(self) -> Iterator[bytes]:
        return _mac_line_ends(self._decoded())

    def json_chunks(self) -> Iterator[bytes]:
        """:meth:`chunks` for a JSON parser: lone surrogate escapes as U+FFFD's (``_json_surrogates``)."""
        return mended_chunks(self.chunks())

    def _decoded(self) -> Iterator[bytes]:
        source = self._gunzip() if is_gzip(self.path) else self._plain()
        decoder = None
        first = True
        for chunk in _headed(source, 4):  # (a byte-order mark is told from the first four bytes)
            if first:
                chunk, decoder, first = _after_bom(chunk), _decoder(chunk), False
            if decoder is not None:
                chunk = decoder.decode(chunk).encode("utf-8", "surrogatepass")
            if chunk:
                self.offset += len(chunk)
                yield chunk
        if decoder is not None:
            tail = decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")
            if tail:
                self.offset += len(tail)
                yield tail

    def _plain(self) -> Iterator[bytes]:
        with open(self.path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk

    def _gunzip(self) -> Iterator[bytes]:
        with open(self.path, "rb") as fh:
            inflater = zlib.decompressobj(wbits=47)  # 32 + 15: a gzip (or zlib) header, read by zlib
            pending = b""
            started = False
            while True:
                if not pending:
                    pending = fh.read(8 * 1024)  # small steps: a corrupt block costs only itself
                    if not pending:
                        break
                    self.compressed_offset += len(pending)
                try:
                    out = inflater.decompress(pending, _CHUNK)  # never more than a chunk at once
                except zlib.error as exc:
                    self.broken = (
                        f"corrupt compressed data near compressed byte {self.compressed_offset:,}: {exc}"
                    )
                    return
                started = True
                pending = inflater.unconsumed_tail
                if out:
                    yield out
                if inflater.eof:
                    rest = inflater.unused_data + pending
                    if not rest.strip(b"\x00"):
                        pending = b""
                        continue  # padding after the last member
                    inflater = zlib.decompressobj(wbits=47)  # a concatenated gzip member
                    pending = rest
            if started and not inflater.eof:
                tail = inflater.flush()
                if tail:
                    yield tail
                self.broken = "EOFError: the compressed file ends before its end-of-stream marker"
            elif not started:
                self.broken = "EOFError: the compressed file is empty"


class _Oversize:
    """A line or document over its limit: a prefix of it, its whole length and hash."""

    __slots__ = ("prefix", "length", "sha256")

    def __init__(self, prefix: bytes, length: int, sha256: str) -> None:
        self.prefix, self.length, self.sha256 = prefix, length, sha256


def _reject_oversize(stage: Stage, line: int, what: str, over: _Oversize, limit: int) -> None:
    stage.reject(
        line=line,
        reason=f"{what} of {over.length:,} bytes is over the limit of {limit:,} bytes (sha256 {over.sha256})",
        raw=over.prefix[:MAX_RAW_BYTES],
        raw_bytes=over.length,
        raw_sha256=over.sha256,
    )


def _reject_break(stage: Stage, stream: _Stream, line: int, partial: bytes | bytearray) -> None:
    stage.reject(
        line=line,
        reason=f"compressed stream broken after {stream.offset:,} decompressed bytes "
        f"(byte offset {stream.offset - len(partial):,} of the decompressed data "
        f"is the start of the unreadable rest; {stream.broken}); "
        "the records before it are kept",
        raw=bytes(partial[:MAX_RAW_BYTES]) or None,
        raw_bytes=len(partial),
    )


def reject_oversize_line(stage: Stage, line: int, data: bytes) -> None:
    """Quarantine one JSONL line over :data:`MAX_LINE_BYTES` (as :func:`jsonl_lines` does)."""
    _reject_oversize(stage, line, "line", _oversize(data), MAX_LINE_BYTES)


def _oversize(data: bytes) -> _Oversize:
    return _Oversize(data[:MAX_RAW_BYTES], len(data), hashlib.sha256(data).hexdigest())


def _raw_lines(stream: _Stream, limit: int) -> Iterator[tuple[int, bytes | _Oversize, bool]]:
    """``(line number, bytes or _Oversize, complete)`` of every line, without its newline.

    Lines are split with ``bytes.split`` a chunk at a time; a line longer than ``limit`` is never held
    whole: past the limit only its prefix, length and running hash are kept. The last line may be
    incomplete when the stream broke.
    """
    n = 1
    parts: list[bytes] = []  # the current line's pieces so far
    held = 0
    skip: Any = None  # sha256 of a line past the limit while its rest is read
    skip_len = 0
    prefix = b""
    for chunk in stream.json_chunks():
        nl = chunk.find(b"\n")
        if nl < 0:
            if skip is not None:
                skip.update(chunk)
                skip_len += len(chunk)
            else:
                parts.append(chunk)
                held += len(chunk)
                if held > limit:
                    whole = b"".join(parts)
                    skip, skip_len, prefix = hashlib.sha256(whole), len(whole), whole[:MAX_RAW_BYTES]
                    parts, held = [], 0
            continue
        head = chunk[:nl]
        if skip is not None:
            skip.update(head)
            yield n, _Oversize(prefix, skip_len + len(head), skip.hexdigest()), True
            skip = None
        else:
            line = b"".join(parts) + head if parts else head
            yield n, (line if len(line) <= limit else _oversize(line)), True
        parts, held = [], 0
        n += 1
        pieces = chunk[nl + 1 :].split(b"\n")
        last = pieces.pop()
        for piece in pieces:
            yield n, (piece if len(piece) <= limit else _oversize(piece)), True
            n += 1
        if last:
            if len(last) > limit:
                skip, skip_len, prefix = hashlib.sha256(last), len(last), last[:MAX_RAW_BYTES]
            else:
                parts, held = [last], len(last)
    complete = stream.broken is None
    if skip is not None:
        yield n, _Oversize(prefix, skip_len, skip.hexdigest()), complete
    elif parts:
        yield n, b"".join(parts), complete


def jsonl_lines(
    path: Path, stage: Stage | None = None, limit: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of every non-blank line, 1-based, streamed (gunzipped, no BOM).

    With a ``stage``, a line over ``limit`` bytes and a broken compressed stream are quarantined there;
    without one, a long line comes as its first ``MAX_RAW_BYTES`` and a break ends the lines.
    """
    stream = _Stream(path)
    n = 0
    for n, line, complete in _raw_lines(stream, limit):
        if not complete:
            if stage is not None:
                _reject_break(stage, stream, n, line.prefix if isinstance(line, _Oversize) else line)
            return
        if isinstance(line, _Oversize):
            if stage is not None:
                _reject_oversize(stage, n, "line", line, limit)
            else:
                yield n, line.prefix
            continue
        if line.startswith(_BOM):  # (a mark mid-file: files written each with one, concatenated)
            line = line[len(_BOM) :]
        if line.strip():
            yield n, line
    if stream.broken is not None and stage is not None:
        _reject_break(stage, stream, n + 1, b"")


def _whole_lines(pending: list[bytes]) -> tuple[bytes, bytes]:
    """``pending`` joined and cut after its last newline: (whole lines, the start of the next line).

    Cut in the last chunk holding a newline, then joined once: joining first and slicing the block off
    held the block's text three times at once (chunks, joined, sliced).
    """
    for i in range(len(pending) - 1, -1, -1):
        cut = pending[i].rfind(b"\n") + 1
        if cut:
            return b"".join([*pending[:i], pending[i][:cut]]), pending[i][cut:] + b"".join(pending[i + 1 :])
    return b"", b"".join(pending)


def _newlines(block: bytes) -> int:
    return block.count(b"\n")


def line_blocks(
    path: Path,
    stage: Stage,
    block_bytes: int,
    limit: int | None = None,
    count: Callable[[bytes], int] = _newlines,
) -> Iterator[tuple[int, bytes]]:
    """``(number of the first line, text)`` of blocks of about ``block_bytes`` of whole lines.

    ``count(block)`` gives a block's number of lines (its newlines), called before the block is handed
    out: a caller that finds the lines' ends anyway counts them so, rather than the text being read twice.

    Every line of a block ends in ``\n`` (a last line without one is given one). The lines are those of
    :func:`jsonl_lines`, numbered the same, but not split here: a caller splits a block in C (see
    ``_native_sql``) and drops blank lines itself. Lines over ``limit`` bytes that do not fit a block
    and a broken compressed stream are quarantined here as :func:`jsonl_lines` does; a block may still
    hold a line over ``limit`` (when ``limit`` is below ``block_bytes``), which the caller quarantines.
    """
    limit = MAX_LINE_BYTES if limit is None else limit
    stream = _Stream(path)
    n = 1  # number of the first line not yet handed out
    pending: list[bytes] = []
    size = 0
    skip: Any = None  # sha256 of a line past the limit while its rest is read
    skip_len, prefix = 0, b""
    for chunk in stream.json_chunks():
        if skip is not None:
            nl = chunk.find(b"\n")
            if nl < 0:
                skip.update(chunk)
                skip_len += len(chunk)
                continue
            skip.update(chunk[:nl])
            _reject_oversize(stage, n, "line", _Oversize(prefix, skip_len + nl, skip.hexdigest()), limit)
            skip, n, chunk = None, n + 1, chunk[nl + 1 :]
        pending.append(chunk)
        size += len(chunk)
        if size < block_bytes:
            continue
        block, rest = _whole_lines(pending)
        pending = []
        if block:
            lines = count(block)
            yield n, block
            n += lines
        block = b""  # not held while the next block is read
        if len(rest) > limit:  # the start of one line longer than the limit: keep its hash, not its text
            skip, skip_len, prefix = hashlib.sha256(rest), len(rest), rest[:MAX_RAW_BYTES]
            rest = b""
        pending, size = ([rest] if rest else []), len(rest)
    block, rest = _whole_lines(pending)
    if block:
        lines = count(block)
        yield n, block
        n += lines
    if skip is not None:
        if stream.broken is not None:
            _reject_break(stage, stream, n, prefix)
        else:
            _reject_oversize(stage, n, "line", _Oversize(prefix, skip_len, skip.hexdigest()), limit)
        return
    if rest:
        if stream.broken is not None:
            _reject_break(stage, stream, n, rest)
            return
        yield n, rest + b"\n"
        n += 1
    if stream.broken is not None:
        _reject_break(stage, stream, n, b"")


def read_document(
    path: Path, stage: Stage | None = None, limit: int = MAX_DOCUMENT_BYTES
) -> tuple[bytes | None, _Stream]:
    """The decompressed bytes of ``path`` (no BOM), or None when over ``limit`` (quarantined with a stage).

    A broken stream gives the bytes read before the break; ``stream.broken`` then says why.
    """
    stream = _Stream(path)
    buf = bytearray()
    digest: Any = None
    prefix = b""
    for chunk in stream.json_chunks():
        if digest is not None:
            digest.update(chunk)
        elif len(buf) + len(chunk) > limit:
            if stage is None:
                return None, stream  # nobody to report the length and hash to: stop reading
            digest = hashlib.sha256(bytes(buf))
            digest.update(chunk)
            prefix = bytes((buf + chunk)[:MAX_RAW_BYTES])
            buf = bytearray()
        else:
            buf += chunk
    if digest is not None:
        if stage is not None:
            _reject_oversize(
                stage, 1, "document", _Oversize(prefix, stream.offset, digest.hexdigest()), limit
            )
        return None, stream
    return bytes(buf), stream


def read_bytes(path: Path, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of ``path`` (gunzipped, no BOM) up to a broken stream; b"" when over ``limit``."""
    data, _ = read_document(path, None, limit)
    return data or b""


def read_head(path: Path, size: int) -> tuple[bytes, str | None]:
    """The first ``size`` decompressed bytes of ``path`` (fewer when the stream breaks), no BOM.

    Also says why the stream broke when it broke before ``size`` bytes, else None.
    """
    stream = _Stream(path)
    out = bytearray()
    for chunk in stream.chunks():
        out += chunk
        if len(out) >= size:
            break
    return bytes(out[:size]), stream.broken

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
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

if TYPE_CHECKING:
    from ._base import Stage

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1024 * 1024

#: Longest JSONL line (one record) read; a longer line is quarantined by its prefix, length and hash.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: Longest single JSON document (a file that is not JSONL) read whole.
MAX_DOCUMENT_BYTES = 128 * 1024 * 1024
#: Deepest nesting of arrays and objects within one record.
MAX_DEPTH = 100
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
_COMPRESSED = ((b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"PK\x03\x04", "zip"),
               (b"7z\xbc\xaf\x27\x1c", "7z"))


def compression_of(head: bytes) -> str | None:
    """The name of a compression other than gzip that ``head`` (a file's first bytes) starts with."""
    return next((name for magic, name in _COMPRESSED if head.startswith(magic)), None)


def open_input(path: Path) -> BinaryIO:
    """``path`` opened for binary reading, gunzipped on the fly when it is gzip (:func:`is_gzip`)."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")  # type: ignore[return-value]


# Byte-order marks of the encodings JSON may come in besides UTF-8 (RFC 8259 asks for UTF-8, but Windows
# PowerShell's ">" writes UTF-16 with a mark): such text is read as UTF-8. UTF-32 first: its little-endian
# mark starts with UTF-16's.
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))


def _mark_undecodable(exc: UnicodeDecodeError) -> tuple[str, int]:
    # A lone surrogate: written out with "surrogatepass" it makes its line invalid UTF-8, which the
    # readers quarantine (with the line's bytes) instead of storing text with a guess in it.
    return "\udcff", exc.end


codecs.register_error("workbench.mark", _mark_undecodable)


def _after_bom(head: bytes) -> bytes:
    for bom in (_BOM, *(b for b, _ in _BOMS)):
        if head.startswith(bom):
            return head[len(bom):]
    return head


def _decoder(head: bytes) -> codecs.IncrementalDecoder | None:
    """A decoder to UTF-8's code points for a file starting with a UTF-16 / UTF-32 mark, else None."""
    if head.startswith(_BOM):
        return None
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return codecs.getincrementaldecoder(encoding)("workbench.mark")
    return None


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
        source = self._gunzip() if is_gzip(self.path) else self._plain()
        decoder = None
        head = b""  # the first bytes, until a byte-order mark can be told
        for chunk in source:
            if head is not None:
                head += chunk
                if len(head) < 4:
                    continue
                chunk, decoder, head = _after_bom(head), _decoder(head), None
            if decoder is not None:
                chunk = decoder.decode(chunk).encode("utf-8", "surrogatepass")
            if chunk:
                self.offset += len(chunk)
                yield chunk
        if head:  # a file of fewer than four bytes
            chunk, decoder = _after_bom(head), _decoder(head)
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
                    self.broken = f"corrupt compressed data near compressed byte {self.compressed_offset:,}: {exc}"
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
    stage.reject(line=line, reason=f"{what} of {over.length:,} bytes is over the limit of {limit:,} bytes "
                                   f"(sha256 {over.sha256})",
                 raw=over.prefix[:MAX_RAW_BYTES], raw_bytes=over.length, raw_sha256=over.sha256)


def _reject_break(stage: Stage, stream: _Stream, line: int, partial: bytes | bytearray) -> None:
    stage.reject(line=line, reason=f"compressed stream broken after {stream.offset:,} decompressed bytes "
                                   f"(byte offset {stream.offset - len(partial):,} of the decompressed data "
                                   f"is the start of the unreadable rest; {stream.broken}); "
                                   "the records before it are kept",
                 raw=bytes(partial[:MAX_RAW_BYTES]) or None, raw_bytes=len(partial))


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
    for chunk in stream.chunks():
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
        pieces = chunk[nl + 1:].split(b"\n")
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


def jsonl_lines(path: Path, stage: Stage | None = None,
                limit: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes]]:
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
        if line.strip():
            yield n, line
    if stream.broken is not None and stage is not None:
        _reject_break(stage, stream, n + 1, b"")


def line_batches(path: Path, stage: Stage, batch_bytes: int,
                 limit: int | None = None) -> Iterator[list[tuple[int, bytes]]]:
    """Lists of ``(line number, bytes)`` of about ``batch_bytes`` each (see :func:`jsonl_lines`).

    ``limit`` defaults to :data:`MAX_LINE_BYTES` as it is when called.
    """
    batch: list[tuple[int, bytes]] = []
    size = 0
    for n, line in jsonl_lines(path, stage, MAX_LINE_BYTES if limit is None else limit):
        batch.append((n, line))
        size += len(line)
        if size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _whole_lines(pending: list[bytes]) -> tuple[bytes, bytes]:
    """``pending`` joined and cut after its last newline: (whole lines, the start of the next line).

    Cut in the last chunk holding a newline, then joined once: joining first and slicing the block off
    held the block's text three times at once (chunks, joined, sliced).
    """
    for i in range(len(pending) - 1, -1, -1):
        cut = pending[i].rfind(b"\n") + 1
        if cut:
            return b"".join([*pending[:i], pending[i][:cut]]), pending[i][cut:] + b"".join(pending[i + 1:])
    return b"", b"".join(pending)


def line_blocks(path: Path, stage: Stage, block_bytes: int,
                limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """``(number of the first line, text)`` of blocks of about ``block_bytes`` of whole lines.

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
    for chunk in stream.chunks():
        if skip is not None:
            nl = chunk.find(b"\n")
            if nl < 0:
                skip.update(chunk)
                skip_len += len(chunk)
                continue
            skip.update(chunk[:nl])
            _reject_oversize(stage, n, "line", _Oversize(prefix, skip_len + nl, skip.hexdigest()), limit)
            skip, n, chunk = None, n + 1, chunk[nl + 1:]
        pending.append(chunk)
        size += len(chunk)
        if size < block_bytes:
            continue
        block, rest = _whole_lines(pending)
        pending = []
        if block:
            yield n, block
            n += block.count(b"\n")
        block = b""  # not held while the next block is read
        if len(rest) > limit:  # the start of one line longer than the limit: keep its hash, not its text
            skip, skip_len, prefix = hashlib.sha256(rest), len(rest), rest[:MAX_RAW_BYTES]
            rest = b""
        pending, size = ([rest] if rest else []), len(rest)
    block, rest = _whole_lines(pending)
    if block:
        yield n, block
        n += block.count(b"\n")
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


def read_document(path: Path, stage: Stage | None = None,
                  limit: int = MAX_DOCUMENT_BYTES) -> tuple[bytes | None, _Stream]:
    """The decompressed bytes of ``path`` (no BOM), or None when over ``limit`` (quarantined with a stage).

    A broken stream gives the bytes read before the break; ``stream.broken`` then says why.
    """
    stream = _Stream(path)
    buf = bytearray()
    digest: Any = None
    prefix = b""
    for chunk in stream.chunks():
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
            _reject_oversize(stage, 1, "document", _Oversize(prefix, stream.offset, digest.hexdigest()), limit)
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


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when arrays / objects in ``value`` nest more than ``limit`` levels (no recursion)."""
    if not isinstance(value, (dict, list)):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# The reduced text: brackets, quotes, newlines and backslashes kept; the characters an escape may end in
# besides a quote or a backslash ("/bfnrtu") kept as one marker, "x"; everything else dropped. In JSON a
# backslash is followed by what it escapes, so the reduced text keeps every escape whole, at a quarter
# of the size: escapes are resolved there, and the markers and their backslashes dropped after.
_ESCAPE_ENDS = b"/bfnrtu"
_TO_MARKER = bytes.maketrans(_ESCAPE_ENDS, b"x" * len(_ESCAPE_ENDS))
_NOT_REDUCED = bytes(b for b in range(256) if b not in b'[]{}"\n\\' + _ESCAPE_ENDS)
# An escape of the reduced text: a backslash and what it escapes (a quote, a backslash or a marker). Never
# a backslash and a newline (not JSON): a block's lines must stay apart.
_ESCAPE = re.compile(rb"\\.")
# A string of the reduced text (brackets, quotes, newlines): a string never holds a raw newline.
_STRING = re.compile(rb'"[^"\n]*"')
# Reduced a slice at a time, so that removing escapes copies a slice of a block, not the whole block.
_SLICE_BYTES = 1024 * 1024


def structure(text: bytes) -> bytes:
    """The brackets and newlines of JSON ``text`` that are outside its strings.

    Brackets inside strings are not structure, and counting them lets a crafted record hide nesting:
    ``["]", ["]", [...], "["], "["]`` is as deep as its real brackets, but with the quoted ones its
    brackets pair off two levels deep at most. The text is cut to brackets, quotes, newlines and escapes;
    the escapes are dropped, so that every quote left opens or closes a string; then each string is. A
    quote that closes no string on its line (text that is not JSON) is kept, so that such a line is
    never taken for a shallow one.
    """
    parts, pos = [], 0
    while pos < len(text):
        end = text.find(b"\n", pos + _SLICE_BYTES)  # escapes and strings never span a newline
        end = len(text) if end < 0 else end + 1
        parts.append(_structure(text[pos:end]))  # (the whole text when it is one slice: no copy)
        pos = end
    return b"".join(parts)


def _structure(text: bytes) -> bytes:
    shape = text.translate(_TO_MARKER, _NOT_REDUCED)
    if b"\\" in shape:
        shape = _ESCAPE.sub(b"", shape)
    shape = shape.translate(None, b"x")
    # A string without brackets is now two quotes side by side; so are the end of one and the start
    # of the next with no bracket between: dropping such pairs keeps every other quote's parity.
    shape = shape.replace(b'""', b"")
    return _STRING.sub(b"", shape) if b'"' in shape else shape


def may_be_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """False when ``raw`` JSON text surely nests no deeper than ``limit`` (a cheap pre-check in C).

    Text with at most ``2 * limit`` brackets passes at once; otherwise the brackets outside strings
    (:func:`structure`) have their innermost pairs peeled off (:func:`peel_brackets`): what is left
    is too deep, or not JSON, and goes to the exact check on the parsed value.
    """
    if len(raw.translate(None, _NOT_BRACKETS)) <= 2 * limit:
        return False
    return bool(peel_brackets(structure(raw), limit))


def peel_brackets(shape: bytes, levels: int) -> bytes:
    """``shape`` (brackets, perhaps newlines) with innermost ``[]`` / ``{}`` pairs peeled off, at most
    ``levels`` levels deep: a shape nested deeper than ``levels`` is never emptied.

    A pass peels ``[]`` and then ``{}``, so ``[{}]`` loses two levels in one pass: only ``levels // 2``
    passes run (a shape between ``levels // 2`` and ``levels`` deep may be left over, which only sends
    it to the exact check).
    """
    for _ in range(levels // 2):
        peeled = shape.replace(b"[]", b"").replace(b"{}", b"")
        if len(peeled) == len(shape):
            break
        shape = peeled
    return shape


def depth_error(value: Any, raw: bytes | None = None, limit: int = MAX_DEPTH) -> str | None:
    """The quarantine reason when a parsed record nests past ``limit``, else None."""
    if raw is not None and not may_be_deep(raw, limit):
        return None
    if deeper_than(value, limit):
        return f"nested deeper than {limit} levels of arrays and objects (the limit)"
    return None


def iter_json(path: Path, stage: Stage | None = None) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    """Yield ``(line, value, raw, error)`` for each JSON value of a JSON document or a JSONL file.

    A file whose first line is a whole JSON value is JSONL (one value per non-blank line, ``raw`` its
    bytes), streamed; when that line is the only one it is a document (``raw`` None). Otherwise the
    file is one document (at most :data:`MAX_DOCUMENT_BYTES`), at line 1 with ``raw`` None; a document
    that does not parse is read as JSONL if any of its lines parses, else it is one broken value.
    ``error`` is why a value could not be parsed. Breaks and oversized input go to ``stage``.
    """
    lines = jsonl_lines(path, stage)
    first = next(lines, None)
    if first is None:
        return
    try:
        value = orjson.loads(first[1])
    except orjson.JSONDecodeError:
        lines.close()
        yield from _document(path, stage)
        return
    second = next(lines, None)
    if second is None:
        yield first[0], value, None, None
        return
    yield first[0], value, first[1], None
    yield from _parsed(second[0], second[1])
    for n, line in lines:
        yield from _parsed(n, line)


def _parsed(n: int, line: bytes) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    try:
        yield n, orjson.loads(line), line, None
    except orjson.JSONDecodeError as exc:
        yield n, None, line, f"broken JSON: {exc}"


def _document(path: Path, stage: Stage | None) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    data, stream = read_document(path, stage)
    if data is None:
        return
    partial = b""
    if stream.broken is not None:
        # The text after the last newline is where the stream broke: it is the break's record.
        cut = data.rfind(b"\n") + 1
        data, partial = data[:cut], data[cut:]
    if data.strip():
        value, error = parse_document(data, stage)
        if error is not None:
            yield from document_values(data, error)
        else:
            yield 1, value, None, None
    if stream.broken is not None and stage is not None:
        _reject_break(stage, stream, data.count(b"\n") + 1, partial)


_PADDING = b"\x00 \t\r\n"


def parse_document(data: bytes, stage: Stage | None = None) -> tuple[Any, str | None]:
    """``(value, None)`` of one whole JSON document, or ``(None, why it does not parse)``.

    NUL bytes after the document are padding (a file preallocated, or cut short by a crash, on some
    file systems), not part of it: the document before them is read, and with a ``stage`` the padding
    is quarantined as one record that says so.
    """
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError as exc:
        error = str(exc)
    body = data.rstrip(_PADDING)
    if b"\x00" not in data[len(body):]:
        return None, error
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, error
    if stage is not None:
        pad = len(data) - len(body)
        stage.reject(line=body.count(b"\n") + 1, reason=f"{pad:,} bytes of padding (NUL bytes) after the end of the "
                                                        "document (a file preallocated or cut short, e.g. by a crash): "
                                                        "the document before them is read", raw_bytes=pad)
    return value, None


def has_record_lines(data: bytes) -> bool:
    """True when some line of ``data`` is a whole JSON object or array: a JSONL file, not a broken document.

    (A pretty-printed document has lines that parse alone, ``"b"`` or ``1`` in a list, but no line of it
    that is a whole object or array, unless it is an empty one.)
    """
    for line in data.split(b"\n"):
        text = line.strip()
        if len(text) > 2 and text[:1] in (b"{", b"["):
            try:
                orjson.loads(text)
            except orjson.JSONDecodeError:
                continue
            return True
    return False


# Where one pretty-printed value ends and the next begins: a closing bracket alone at the start of a
# line, then an opening one at the start of the next (nested brackets are indented).
_VALUE_BOUNDARY = re.compile(rb"(?<=\n[}\]])[ \t\r]*\n(?=[ \t\r\n]*[{\[])")


def _values(data: bytes) -> list[tuple[int, bytes]] | None:
    """``(first line, text)`` of each value of a stream of pretty-printed JSON values, or None.

    ``jq`` writes such streams, and so does the OpenTelemetry SDK's console exporter (a span's JSON,
    indented, after another). None when ``data`` is not cut that way.
    """
    cuts = [m.end() for m in _VALUE_BOUNDARY.finditer(data)]
    if not cuts:
        return None
    out, start, line = [], 0, 1
    for end in [*cuts, len(data)]:
        text = data[start:end]
        skipped = len(text) - len(text.lstrip())
        out.append((line + text.count(b"\n", 0, skipped), text.strip()))
        line += text.count(b"\n")
        start = end
    return out


def document_values(data: bytes, whole_error: str) -> Iterator[tuple[int, Any, bytes | None, str | None]]:
    """``(line, value, raw, error)`` of the values of ``data``, a file's text that is no one JSON document.

    JSONL with a bad line before the first good one, value by value; a stream of pretty-printed values
    (each its own record); a document that is broken (no line of it a record) is one broken value
    (``whole_error`` says why) rather than one reject per line.
    """
    if not has_record_lines(data):
        values = _values(data)
        if values is None:  # (the whole text: the quarantine keeps its prefix, length and hash)
            yield 1, None, data, f"broken JSON: {whole_error}"
            return
        for n, text in values:
            try:
                yield n, orjson.loads(text), text, None
            except orjson.JSONDecodeError as exc:
                yield n, None, text, f"broken JSON: {exc}"
        return
    for n, line in enumerate(data.split(b"\n"), start=1):
        if line.strip():
            yield next(_parsed(n, line))

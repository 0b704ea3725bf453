"""Labels written by people: known culprits and true outcomes of runs, in CSV, JSON or JSONL.

Columns (CSV header, or object keys): ``run_id`` (required), ``outcome`` (``success`` / ``failure`` /
``unknown``), ``agent``, ``step_id``, ``kind`` (fault type), ``source`` (default ``human``), ``detail``,
``given_by`` (the person who gave it; default: whoever stores the file, :func:`person`). Each row must say
something beyond its run id: an outcome, an agent, a step or a kind.

Labels are typed by hand, so the reader is strict: an unknown column, a missing run id, an outcome
outside the three values or a value that is not text stops the whole file with an
:class:`~workbench.exceptions.IngestError` that names the file and the line (or list item), rather than
storing a label that silently says something else.
"""

from __future__ import annotations

import csv
import getpass
import io
import json
import os
from pathlib import Path
from typing import Any

import orjson

from ..exceptions import IngestError
from ._jsonio import wide_encoding
from ._otlp_shapes import json_type

COLUMNS = ("run_id", "outcome", "agent", "step_id", "kind", "source", "detail", "given_by")
OUTCOMES = ("success", "failure", "unknown")
DEFAULT_SOURCE = "human"


def read_labels(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a labels file.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` / ``.tsv`` file with a header row, a ``.json`` file holding a list of objects, or a
        ``.jsonl`` / ``.ndjson`` file with one object per line. Other extensions are recognised by
        their first character (``[`` JSON, ``{`` JSONL, else CSV).

    Returns
    -------
    list of dict
        One dict per label with every key of :data:`COLUMNS`; absent or empty values are ``None``,
        ``source`` defaults to ``"human"`` and ``outcome`` is lower-cased.

    Raises
    ------
    IngestError
        When the file cannot be read, or a row is invalid (the message names the file and the row).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "labels.csv"
    >>> _ = p.write_text("run_id,agent,kind\\nr1,pricer,hallucination\\n")
    >>> read_labels(p)[0]["agent"]
    'pricer'
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read labels file ({exc.strerror or exc})") from None
    # (Excel's "Unicode Text" is UTF-16 with a mark, and tab-separated)
    encoding, mark = wide_encoding(data[:4]) or ("utf-8-sig", 0)
    try:
        text = data[mark:].decode(encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if mark == 0 and encoding == "utf-8-sig" else encoding.upper()
        raise IngestError(f"{path}: labels file is not {name} text (byte {exc.start})") from None
    if mark or encoding != "utf-8-sig":
        data = text.encode("utf-8", "surrogatepass")
    if not text.strip():
        raise IngestError(f"{path}: labels file is empty")
    suffix = path.suffix.lower()
    first = text.lstrip()[:1]
    if suffix in (".jsonl", ".ndjson") or (suffix not in (".json", ".csv", ".tsv") and first == "{"):
        rows = _jsonl_rows(text, path)
    elif suffix == ".json" or (suffix not in (".csv", ".tsv") and first == "["):
        rows = _json_rows(data, path)
    else:
        rows = _csv_rows(text, path, delimiter=_delimiter(text, "\t" if suffix == ".tsv" else ","))
    labels = [_label(row, where, path) for where, row in rows]
    _one_outcome_a_run([where for where, _ in rows], labels, path)
    return labels


def person() -> str:
    """Who gives a label when none is named (``ws.label``'s ``by``, a labels file's ``given_by``): the login name,
    else ``"human"`` (a process with no user name to look up)."""
    try:
        return getpass.getuser() or DEFAULT_SOURCE
    except (OSError, KeyError, ImportError):  # (no LOGNAME/USER and no password entry for the uid)
        return DEFAULT_SOURCE


def _one_outcome_a_run(places: list[str], labels: list[dict[str, Any]], path: Path) -> None:
    """Refuse a file giving one run two outcomes by one giver: its rows are stored at one time, so neither is the
    later (the store took one as it liked), and the person who wrote them meant one. Two givers may disagree
    (each label is kept, with its giver; the later row is the run's latest). A row naming no giver is the login
    name's, as ``ws.label_file`` stores it: it and a row naming that login are one person's."""
    first: dict[tuple[str, str], tuple[str, str]] = {}
    login = person()
    for where, label in zip(places, labels, strict=True):
        outcome = label["outcome"]
        if outcome is None:
            continue
        giver = label["given_by"] or login
        seen = first.setdefault((label["run_id"], giver), (where, outcome))
        if seen[1] != outcome:
            by = f" by {giver!r}" + ("" if label["given_by"] else " (no given_by: the login name)")
            raise IngestError(
                f"{path}: {where}: run {label['run_id']!r} is given outcome {outcome!r}{by}, and "
                f"{seen[0]} gave it {seen[1]!r}: in a labels file one giver gives a run one outcome "
                "(correct the wrong row; to change a stored outcome, label it again in a later call)"
            )


def _delimiter(text: str, default: str) -> str:
    """The delimiter that splits the header into known columns: tabs (Excel's "Unicode Text", a .txt) and
    semicolons (Excel's CSV where the decimal mark is a comma) as well as commas; else ``default``."""
    header = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    for delimiter in (default, ",", "\t", ";"):
        names = [_fold(h).strip('"') for h in header.split(delimiter)]
        if len(names) > 1 and all(n in COLUMNS for n in names):
            return delimiter
    return default


def _csv_rows(text: str, path: Path, delimiter: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise IngestError(f"{path}: line 1: bad CSV header ({exc})") from None
    names = [_fold(h) for h in header]
    _check_columns(names, path, "header (line 1)")
    seen: dict[str, str] = {}
    for name, written in zip(names, header, strict=True):
        if name in seen:
            both = "" if seen[name] == written else f" (as {seen[name]!r} and {written!r})"
            raise IngestError(f"{path}: header (line 1): column {name!r} appears twice{both}")
        seen[name] = written
    rows: list[tuple[str, dict[str, Any]]] = []
    start = reader.line_num + 1
    try:
        for values in reader:
            where = f"line {start}" if start == reader.line_num else f"lines {start}-{reader.line_num}"
            start = reader.line_num + 1
            if not any(v.strip() for v in values):
                continue  # a blank line
            if len(values) != len(names):
                raise IngestError(f"{path}: {where}: {len(values)} fields, the header has {len(names)}")
            rows.append((where, dict(zip(names, values, strict=True))))
    except csv.Error as exc:
        raise IngestError(f"{path}: line {reader.line_num}: bad CSV ({exc})") from None
    return rows


def _json_rows(data: bytes, path: Path) -> list[tuple[str, dict[str, Any]]]:
    try:
        doc = orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError as exc:
        raise IngestError(f"{path}: broken JSON ({exc})") from None
    if not isinstance(doc, list):
        raise IngestError(f"{path}: a JSON labels file holds a list of objects (got a JSON {json_type(doc)})")
    repeats = _repeated_keys(data.removeprefix(b"\xef\xbb\xbf"), path, "")
    rows = []
    for k, item in enumerate(doc, start=1):
        if not isinstance(item, dict):
            raise IngestError(f"{path}: item {k}: a JSON {json_type(item)}, not an object")
        if isinstance(repeats, list) and k <= len(repeats) and getattr(repeats[k - 1], "repeated", None):
            raise _repeated(path, f"item {k}", repeats[k - 1].repeated)
        rows.append((f"item {k}", item))
    return rows


class _Pairs(dict):  # type: ignore[type-arg]
    """An object as read, and the first key it gave twice (orjson keeps the last of two silently): both spellings,
    as :func:`_label` folds them (``"Outcome"`` and ``"outcome "`` are the column ``outcome`` given twice)."""

    repeated: tuple[str, str] | None = None


def _pairs(pairs: list[tuple[str, Any]]) -> _Pairs:
    out = _Pairs()
    spelt: dict[str, str] = {}
    for key, value in pairs:
        folded = _fold(key)
        if folded in spelt and out.repeated is None:
            out.repeated = (spelt[folded], key)
        spelt.setdefault(folded, key)
        out[key] = value
    return out


def _fold(key: str) -> str:
    """A key as :func:`_label` reads it (typed by hand: ``"Run_ID "`` is the column ``run_id``)."""
    return key.strip().lower()


def _repeated_keys(data: bytes | str, path: Path, where: str) -> Any:
    """``data`` read again, each object a :class:`_Pairs` telling the key it repeats (JSON orjson read already)."""
    try:
        return json.loads(data, object_pairs_hook=_pairs)
    except RecursionError:
        raise IngestError(f"{path}: {where}nested too deeply to read") from None
    except ValueError:  # (what orjson reads and the standard library does not: orjson's reading stands)
        return None


def _repeated(path: Path, where: str, keys: tuple[str, str]) -> IngestError:
    first, again = keys
    said = f"key {first!r}" if first == again else f"key {_fold(first)!r} (as {first!r} and {again!r})"
    return IngestError(
        f"{path}: {where}: {said} is given twice in one label: say each thing once (which "
        "value was meant is not for the reader to guess)"
    )


def _jsonl_rows(text: str, path: Path) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise IngestError(f"{path}: line {n}: broken JSON ({exc})") from None
        if not isinstance(item, dict):
            raise IngestError(f"{path}: line {n}: a JSON {json_type(item)}, not an object")
        again = _repeated_keys(line, path, f"line {n}: ")
        if getattr(again, "repeated", None):
            raise _repeated(path, f"line {n}", again.repeated)
        rows.append((f"line {n}", item))
    return rows


def _check_columns(names: list[str], path: Path, where: str) -> None:
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        raise IngestError(
            f"{path}: {where}: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"the columns are {', '.join(COLUMNS)}"
        )
    if "run_id" not in names:
        raise IngestError(f"{path}: {where}: no run_id column")


def _label(row: dict[str, Any], where: str, path: Path) -> dict[str, Any]:
    _check_columns([k.strip().lower() if isinstance(k, str) else k for k in row], path, where)
    out: dict[str, Any] = dict.fromkeys(COLUMNS)
    for key, value in row.items():
        name = key.strip().lower()
        if value is None:
            continue
        if not isinstance(value, str):
            raise IngestError(
                f"{path}: {where}: {name} must be text (got {json_type(value)} {str(value)[:40]!r})"
            )
        value = value.strip()
        out[name] = value or None
    if out["run_id"] is None:
        raise IngestError(f"{path}: {where}: run_id is empty")
    if out["outcome"] is not None:
        out["outcome"] = out["outcome"].lower()
        if out["outcome"] not in OUTCOMES:
            raise IngestError(
                f"{path}: {where}: outcome must be one of {', '.join(OUTCOMES)} (got {row.get('outcome')!r})"
            )
    if all(out[k] is None for k in ("outcome", "agent", "step_id", "kind")):
        raise IngestError(
            f"{path}: {where}: the label for run {out['run_id']!r} says nothing: "
            "give an outcome, an agent, a step_id or a kind"
        )
    out["source"] = out["source"] or DEFAULT_SOURCE
    return out

"""The checks of public arguments several entry points share: one place, one message each.

README, "Errors": every bad argument (a value out of range, an unknown name or mode) raises
:class:`~workbench.exceptions.InvalidParameterError` naming the parameter and the value.
"""

from __future__ import annotations

import numbers
import os
from pathlib import Path
from typing import Any, TypeVar

from .exceptions import InvalidParameterError

P = TypeVar("P", str, bytes, os.PathLike)


def user_path(path: P, doing: str, error: type[Exception] = InvalidParameterError) -> P:
    """A path a user gave (to read, to write, to open as a store), as one file for Python and DuckDB alike: a
    leading ``~`` (``~/x``, ``~name/x``) expanded to the home folder, here, once, before any check or use. DuckDB
    expands it itself and Python's ``open``, ``glob`` and ``pathlib`` do not: ``ws.ingest('~/x.jsonl')`` was "no
    such file", an export's folder was made in ``./~`` while its tables went to ``$HOME``. A ``~word`` that names
    no user here is the file of that very name when one is there (``./~word``: DuckDB would read ``$HOMEword``),
    else ``error`` (what was asked: ``doing``, "ingest", "open" ...). Other paths come back as they were given,
    of the type given (str, bytes, or a ``Path`` for any other path-like)."""
    text = os.fsdecode(path)
    if not text.startswith("~"):
        return path
    expanded = os.path.expanduser(text)
    # (~name of no user, or no home folder known: DuckDB put its own home before it)
    if expanded.startswith("~"):
        if not os.path.lexists(text):
            raise error(
                f"cannot {doing} {text!r}: {text.split('/')[0]!r} names no home folder here. Nothing "
                "opened or written"
            )
        expanded = os.path.join(".", text)
    if isinstance(path, str):
        return expanded
    return os.fsencode(expanded) if isinstance(path, bytes) else Path(expanded)  # type: ignore[return-value]


def names_of(value: Any, name: str) -> list[Any]:
    """A parameter taking one name or several (``detectors="loop"`` or ``["loop", "retry"]``) as a list of names.

    A string is one name: read as a sequence it was taken letter by letter ("unknown detector(s) ['l', 'o',
    'p']"). A value that is neither a string nor iterable (a number) is an :class:`InvalidParameterError`
    naming ``name`` (``list()`` of it raised a bare ``TypeError``). The names themselves are the caller's to check.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, (bytes, bytearray)):  # (read as a sequence: its byte values, 114 and 49 for b"r1")
        raise InvalidParameterError(
            f"{name} must be a name (a str) or a list of names (got {type(value).__name__} {value[:60]!r})"
        )
    try:
        return list(value)
    except TypeError:
        raise InvalidParameterError(
            f"{name} must be a name or a list of names (got {type(value).__name__} {value!r})"
        ) from None


def text_or_none(value: Any, name: str) -> str | None:
    """A text parameter that may be left out (``ws.label``'s ``agent=``, ``kind=``, ``detail=``): a str or None;
    anything else (``agent=5``, ``detail={...}``) an :class:`InvalidParameterError` naming ``name`` (it reached the
    stage and failed there as an ``IngestError`` about a record, naming no parameter)."""
    if value is None or isinstance(value, str):
        return value
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise InvalidParameterError(f"{name} must be text (a str) or None (got {type(value).__name__} {shown})")


def model_of(model: Any) -> Any:
    """``model=`` of the log-only entry points: a fitted :class:`~workbench.BlameModel` or a user's own object with
    ``predict(ws, run_ids)``; anything else an :class:`InvalidParameterError` naming it (a bare ``AttributeError:
    'str' object has no attribute 'predict'`` came from deep inside)."""
    if not callable(getattr(model, "predict", None)):
        shown = repr(model)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise InvalidParameterError(
            f"model must be a fitted BlameModel, or an object with predict(ws, run_ids) "
            f"(got {type(model).__name__} {shown})"
        )
    return model


def is_number(value: Any) -> bool:
    """Whether ``value`` is a real number (a NumPy one too), and not a bool: the first test of every numeric
    parameter (``True`` is an int to Python, and was read as 1; a string raised from deep inside)."""
    return value.__class__ is not bool and isinstance(value, numbers.Real)


def is_integer(value: Any) -> bool:
    """Whether ``value`` is an integer (a NumPy one too), and not a bool."""
    return value.__class__ is not bool and isinstance(value, numbers.Integral)


def plain_number(value: Any) -> int | float:
    """A number (:func:`is_number`) as Python's own ``int`` or ``float``: a NumPy scalar kept in a setting was no
    JSON's (``json.dumps(np.int64(3))`` raised) nor YAML's; a Python int or float is given back as it is."""
    if value.__class__ in (int, float):
        return value
    return int(value) if is_integer(value) else float(value)


def integer_at_least(value: Any, name: str, least: int) -> int:
    """An integer parameter (a NumPy integer too, as a count read from a frame is), ``least`` or more, as a Python
    int; a bool, a float, a string or one below ``least`` an :class:`InvalidParameterError` naming ``name``."""
    if not is_integer(value) or value < least:
        raise InvalidParameterError(f"{name} must be >= {least}, an integer (got {value!r})")
    return int(value)


def flag(value: Any, name: str) -> bool:
    """A True / False parameter (a NumPy bool too); anything else (a string: ``bool("false")`` is True) an
    :class:`InvalidParameterError` naming ``name``."""
    if isinstance(value, bool) or (
        type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")
    ):
        return bool(value)
    raise InvalidParameterError(f"{name} must be True or False (got {type(value).__name__} {value!r})")


def frame_of(value: Any, name: str, columns: tuple[str, ...]) -> Any:
    """A table parameter (``findings=``: a DataFrame as :func:`~workbench.detect` returns it) holding ``columns``;
    anything else, or one missing a column, an :class:`InvalidParameterError` naming ``name`` and what is missing
    (a string raised "string indices must be integers", a frame without a column a bare ``KeyError``)."""
    held = getattr(value, "columns", None)
    if held is None or not hasattr(value, "loc"):
        raise InvalidParameterError(
            f"{name} must be a DataFrame with columns {', '.join(columns)} (got {type(value).__name__})"
        )
    missing = [c for c in columns if c not in held]
    if missing:
        raise InvalidParameterError(
            f"{name} has no column {', '.join(missing)} (its columns: {', '.join(map(str, held))[:200]})"
        )
    return value

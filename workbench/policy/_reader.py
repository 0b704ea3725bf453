"""Reading a policy document from YAML or JSON text, defensively: a policy file may come from
anywhere, and must never make the reader hang, crash or silently pick one of two values."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

from .._params import user_path
from ..exceptions import PolicyError


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a long one-line document is no file name ("File name too long")
        return False


# A policy is a few KB; a file past this is no policy (and a read of it must end).
MAX_BYTES = 4 * 1024 * 1024
# (the writer, Policy.to_json / to_yaml, refuses such a file with the same words)
TOO_LARGE = f"it is larger than {MAX_BYTES:,} bytes; a policy is a few KB of YAML or JSON"


def _read_regular(path: Path) -> bytes:
    """The bytes of the regular file at ``path`` (a symlink followed), at most :data:`MAX_BYTES`.

    Opened without blocking and checked before any read: a named pipe would block the reader (a guard's start-up)
    until something wrote to it, and ``/dev/zero`` or a terminal would be read forever."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(mode):
            raise PolicyError(f"cannot read policy file {path}: it is {_kind(mode)}, not a regular file")
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PolicyError(f"cannot read policy file {path}: {TOO_LARGE}")
    return data


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "no regular file"


def read_source(source: str | os.PathLike[str]) -> tuple[str, str]:
    """The document's text and what to call it in errors: a path's file, else the text itself."""
    if isinstance(source, (str, os.PathLike)) and "\n" not in os.fspath(
        source
    ):  # ('~/p.yaml': the home folder's)
        source = (
            user_path(source, "read policy file", PolicyError)
            if _is_file(os.path.expanduser(source))
            else source
        )
    if isinstance(source, os.PathLike) or (
        isinstance(source, str)
        and "\n" not in source
        and (Path(source).suffix.lower() in (".yaml", ".yml", ".json") or _is_file(source))
    ):
        path = Path(source)
        try:
            return _read_regular(path).decode("utf-8"), str(path)
        except IsADirectoryError:
            raise PolicyError(f"cannot read policy file {path}: it is a folder, not a file") from None
        except OSError as exc:
            raise PolicyError(f"cannot read policy file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:  # a binary file given by mistake: bad input, named, not a crash
            raise PolicyError(
                f"{path}: not a policy file: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                f"offset {exc.start:,}); a policy is YAML or JSON text"
            ) from None
    return str(source), "policy"


# A policy is a few dozen values. YAML aliases can make a 1 KB file stand for billions of them
# ("billion laughs": nine levels of nine aliases), which every later walk (validation, asdict, dumping)
# expands: the reader counts values and levels up to these caps, without expanding, and stops there.
MAX_VALUES = 100_000
MAX_DEPTH = 64


class DuplicateKeyError(ValueError):
    """A key given twice in one mapping."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(f"duplicate key {key!r}: a policy file says each thing once")
        out[key] = value
    return out


_LOADER: Any = None


def loader() -> Any:
    """``yaml.SafeLoader`` that refuses a key given twice (a second ``max_depth`` must not silently
    win over the first)."""
    global _LOADER
    if _LOADER is None:
        import yaml

        class Loader(yaml.SafeLoader):
            def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
                seen: set[Any] = set()
                for key_node, _ in node.value:
                    key = self.construct_object(key_node, deep=True)
                    if isinstance(key, (str, int, float, bool)) and key in seen:
                        raise yaml.constructor.ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            f"duplicate key {key!r}: a policy file says each thing once",
                            key_node.start_mark,
                        )
                    if isinstance(key, (str, int, float, bool)):
                        seen.add(key)
                return super().construct_mapping(node, deep=deep)

        _LOADER = Loader
    return _LOADER


def check_size(doc: Any, where: str) -> None:
    """Count ``doc``'s values and levels (shared subtrees counted each time they occur, as every
    later walk would), stopping at the caps."""
    stack = [(doc, 1)]
    n = 0
    while stack:
        value, depth = stack.pop()
        n += 1
        if n > MAX_VALUES:
            raise PolicyError(
                f"{where}: more than {MAX_VALUES:,} values (YAML aliases that expand "
                "without end?): not a policy"
            )
        if depth > MAX_DEPTH:
            raise PolicyError(f"{where}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, depth + 1) for v in value)

"""Which files an ingest reads: a path taken literally first, then a folder walked, then a glob.

A folder is read for what it can give: anything that cannot be read (an unreadable subfolder, a FIFO
or socket, a broken symlink, a symlink loop, a hidden file) is listed as skipped with the reason,
never fatal. Files in no known format found in a folder or through a glob are skipped the same way by
the driver, and so is one named among other files; a file named on its own must be readable.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from ..exceptions import IngestError


def display(path: str | os.PathLike[str]) -> str:
    """A path as printable text: bytes of a file name that are not UTF-8 become ``\\xNN`` escapes."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


_EXPORT_SKIPPED = (
    "a workbench store's Parquet export (Workspace.export), not logs: ingest it in a call of its own "
    "(it is merged as a store), or wb.open() it"
)


def _is_export(folder: Path) -> bool:
    """A folder ``Workspace.export`` wrote, met inside one read: its ``steps`` and ``runs`` tables' folders, the
    steps in Parquet (logs kept in folders of those names are read as logs)."""
    if not ((folder / "steps").is_dir() and (folder / "runs").is_dir()):
        return False
    try:
        return next((folder / "steps").rglob("*.parquet"), None) is not None
    except OSError:
        return False


def _walk(root: Path, found: list[Path], skipped: list[tuple[str, str]]) -> None:
    """Regular files under ``root`` (symlinks followed, each real folder once), in name order."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError as exc:
            skipped.append((display(folder), f"cannot read ({exc.strerror or exc})"))
            continue
        if (st.st_dev, st.st_ino) in seen:
            skipped.append((display(folder), "symlink loop (this folder was already read)"))
            continue
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: os.fsencode(e.name))
        except OSError as exc:
            skipped.append((display(folder), f"unreadable folder ({exc.strerror or exc})"))
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                skipped.append((display(path), "hidden"))
                continue
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                what = (
                    "symlink loop"
                    if entry.is_symlink() and exc.errno == 40
                    else ("broken symlink" if entry.is_symlink() else "cannot read")
                )
                skipped.append((display(path), f"{what} ({exc.strerror or exc})"))
                continue
            if stat.S_ISDIR(mode):
                if _is_export(path):
                    # (its 20 Parquet files were each "not in any known format", and none of its runs read)
                    skipped.append((display(path), _EXPORT_SKIPPED))
                    continue
                subfolders.append(path)
            elif stat.S_ISREG(mode):
                found.append(path)
            else:
                skipped.append((display(path), "not a regular file (a FIFO, socket or device)"))
        stack.extend(reversed(subfolders))


def expand_paths(
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
) -> tuple[list[tuple[Path, bool]], list[tuple[str, str]]]:
    """Files named by a path, a folder (read recursively), a glob, or a list of those.

    Returns ``([(file, named explicitly), ...], [(path, why skipped), ...])``. A path that exists is
    taken literally, even when its name holds ``*``, ``?`` or ``[``; only a path that does not exist
    is tried as a glob.
    """
    items = [source] if isinstance(source, (str, bytes, os.PathLike)) else list(source)
    out: list[tuple[Path, bool]] = []
    skipped: list[tuple[str, str]] = []
    for item in items:
        path = Path(os.fsdecode(item))
        text = str(path)
        if os.path.lexists(path):
            try:
                mode = path.stat().st_mode
            except OSError as exc:
                raise IngestError(f"{display(path)}: cannot read ({exc.strerror or exc})") from None
            if stat.S_ISDIR(mode):
                found: list[Path] = []
                _walk(path, found, skipped)
                if not found and not skipped:
                    raise IngestError(f"{display(path)}: the folder holds no file")
                out.extend((p, False) for p in found)
            elif stat.S_ISREG(mode):
                out.append((path, True))
            else:
                raise IngestError(f"{display(path)}: not a regular file (a FIFO, socket or device)")
        elif any(ch in text for ch in "*?["):
            matches = sorted(glob.glob(text, recursive=True))
            files = []
            for m in matches:
                p = Path(m)
                if p.is_file():
                    files.append((p, False))
                elif not p.is_dir():
                    skipped.append((display(p), "not a regular file"))
            if not files:
                raise IngestError(f"{display(path)}: no file matches")
            out.extend(files)
        else:
            raise IngestError(f"{display(path)}: no such file")
    return _read_once(out, skipped), skipped


def _read_once(files: list[tuple[Path, bool]], skipped: list[tuple[str, str]]) -> list[tuple[Path, bool]]:
    """``files`` with each file once (the same file named twice, by a folder and a glob, or through a link).

    Read twice in one call, its records would be duplicates of themselves and quarantined as such; in two
    calls the second read adds nothing. The file stays where it was first named, and counts as named
    explicitly when any of its names was. Each repeat is listed in ``skipped``.
    """
    first: dict[tuple[int, int], int] = {}
    out: list[tuple[Path, bool]] = []
    for path, named in files:
        try:
            st = path.stat()
        except OSError:  # (gone since it was listed: reading it says so, naming it)
            out.append((path, named))
            continue
        key = (st.st_dev, st.st_ino)
        if key in first:
            i = first[key]
            out[i] = (out[i][0], out[i][1] or named)
            skipped.append((display(path), f"the same file as {display(out[i][0])}, read once"))
            continue
        first[key] = len(out)
        out.append((path, named))
    return out

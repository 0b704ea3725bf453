"""Who owns the batches in a live capture's shared ``spool_dir``, and which a new exporter may take over.

Each exporter spools its batches as ``spans-<time>-<n>-<tag>.jsonl`` and stores only those of its own tag (two
notebooks sharing a folder each store their own). A session killed with batches spooled left them there, stored by
nobody. To take them over, the next exporter must know their owner is gone — a live one stores them itself, and
taking them would store them twice, or into the wrong store. A process id proves nothing (ids are reused), so an
exporter given a ``spool_dir`` holds an exclusive ``flock`` on ``.owner-<tag>.lock`` for its lifetime, the file
naming the store it writes: the kernel releases the lock when the process dies, however it dies. A new exporter
whose lock attempt on another tag's file succeeds has proof its owner is gone; holding that lock, it renames the
batches to its own tag (one rename each: two new exporters never both take one) and stores them — when the lock file
names its own store file. Batches of a dead owner of another store (or of an in-memory one), and those with no lock
file (spooled before exporters held one, or by a writer of another kind), are said and left:
``exporter.store_leftovers()`` takes them on the user's word.

A batch is written as ``….jsonl.part`` and renamed complete, so a reader never takes half of one; a ``.part`` a
killed session left is stored by a taker as what it is (its broken line quarantined, not lost).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

try:
    import fcntl
except (
    ImportError
):  # pragma: no cover - Windows: no proof of a dead owner; leftovers are said, taken on request
    fcntl = None  # type: ignore[assignment]

_TAG_LEN = 12  # (uuid4 hex digits an exporter's tag has: capture.py)


def lock_path(spool_dir: Path, tag: str) -> Path:
    return spool_dir / f".owner-{tag}.lock"


def claim(spool_dir: Path, tag: str, store: Path | None) -> int | None:
    """Hold ``tag``'s lock file (made locked, then renamed into place: no other exporter ever sees it unlocked
    while its owner lives); its descriptor, kept open until :func:`release`. None where ``flock`` is missing."""
    if fcntl is None:
        return None
    fd, tmp = tempfile.mkstemp(prefix=".owner-", suffix=".tmp", dir=spool_dir)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # (absolute: a relative name read in another process's folder named another file)
        where = os.path.abspath(store) if store is not None else None
        os.write(fd, json.dumps({"pid": os.getpid(), "store": where}).encode())
        os.replace(tmp, lock_path(spool_dir, tag))
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return fd


def release(fd: int | None, spool_dir: Path, tag: str, drop: bool) -> None:
    """Let go of ``tag``'s lock; ``drop``: delete its file too (no batch of the tag is left to take over)."""
    if fd is None:
        return
    if drop:
        with contextlib.suppress(OSError):
            lock_path(spool_dir, tag).unlink()
    os.close(fd)


def batch_tag(name: str) -> str | None:
    """The tag a batch's file name ends in (``spans-<time>-<n>-<tag>.jsonl[.part]``), None for an untagged one."""
    stem = name.removesuffix(".part").removesuffix(".jsonl")
    parts = stem.split("-")
    return parts[3] if len(parts) == 4 and len(parts[3]) == _TAG_LEN else None


def leftovers(spool_dir: Path, own_tag: str) -> list[Path]:
    """Batches in ``spool_dir`` not stored and not this exporter's (``.done.jsonl``: stored, kept as a trail)."""
    found = [
        p
        for pattern in ("spans-*.jsonl", "spans-*.jsonl.part")
        for p in spool_dir.glob(pattern)
        if not p.name.endswith(".done.jsonl") and batch_tag(p.name) != own_tag
    ]
    return sorted(found, key=lambda p: p.name)


def _dead_owner(spool_dir: Path, tag: str) -> tuple[int, str | None] | None:
    """(held lock descriptor, store it named) when ``tag``'s owner is provably gone (its lock taken here)."""
    if fcntl is None:
        return None
    try:
        fd = os.open(lock_path(spool_dir, tag), os.O_RDONLY)
    except OSError:
        return None  # (no lock file: nothing proves its owner gone)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None  # (held: its exporter lives)
    try:
        store = json.loads(os.read(fd, 1 << 16) or b"{}").get("store")
    except (ValueError, AttributeError):
        store = None
    return fd, store if isinstance(store, str) else None


def _same_file(a: str | None, b: Path | None) -> bool:
    if a is None or b is None:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def take_over(
    spool_dir: Path, own_tag: str, store: Path | None, everything: bool
) -> tuple[list[Path], list[Path]]:
    """Rename to ``own_tag`` the leftover batches this exporter may store: those of dead owners of ``store``'s
    file, or (``everything``) all but a live exporter's. (Batches taken, batches left.)"""
    taken: list[Path] = []
    left: list[Path] = []
    by_tag: dict[str | None, list[Path]] = {}
    for p in leftovers(spool_dir, own_tag):
        by_tag.setdefault(batch_tag(p.name), []).append(p)
    for tag, batches in by_tag.items():
        dead = _dead_owner(spool_dir, tag) if tag is not None else None
        alive = tag is not None and dead is None and fcntl is not None and _locked(spool_dir, tag)
        if alive or not (everything or (dead is not None and _same_file(dead[1], store))):
            left.extend(batches)
        else:
            for p in batches:
                name = p.name if tag is None else p.name.replace(f"-{tag}.jsonl", f"-{own_tag}.jsonl")
                if tag is None:  # (untagged, from before the tags: the same order, this exporter's tag)
                    name = name.replace(".jsonl", f"-{own_tag}.jsonl", 1)
                target = spool_dir / name.removesuffix(".part")
                with contextlib.suppress(FileNotFoundError):  # (another taker's already: its to store)
                    os.replace(p, target)
                    taken.append(target)
        if dead is not None:
            release(dead[0], spool_dir, tag, drop=not any(spool_dir.glob(f"spans-*-{tag}.jsonl*")))
    for lock in spool_dir.glob(".owner-*.lock"):  # (dead owners with nothing left: exporters never shut down)
        tag = lock.name[len(".owner-") : -len(".lock")]
        if tag != own_tag and tag not in by_tag and (dead := _dead_owner(spool_dir, tag)) is not None:
            release(dead[0], spool_dir, tag, drop=not any(spool_dir.glob(f"spans-*-{tag}.jsonl*")))
    return taken, left


def _locked(spool_dir: Path, tag: str) -> bool:
    """Whether ``tag``'s lock file exists and is held (its exporter lives)."""
    return lock_path(spool_dir, tag).exists()

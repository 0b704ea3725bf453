"""Vega's offline JavaScript bundle kept on disk, so that only the first process on a machine builds it.

``alt.JupyterChart.enable_offline()`` has vl-convert bundle Vega, Vega-Lite and the chart widget's module
(~0.9 MB) in every process that calls it: 1.7-2.1 s of CPU at each kernel start (measured, load ~15), a
notebook's first cell and every browser test's kernel alike. The bundle depends only on the versions of
altair, vl-convert and Vega-Lite and on the widget's source, so it is stored under a name made of those
(in ``$WORKBENCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/workbench``, else ``~/.cache/workbench``) and read back
when they match. A file that does not hold what its name and checksum say (cut short, edited) is built again
and replaced; a cache that cannot be written, or found (no home folder), costs only the speed-up.

The bundle runs in the notebook's page, with the page's access to the kernel, and the checksum tells damage
only, not who wrote it: a file is read back only when it is a regular file of this user's that nobody else may
write (the cache folder may be a shared one, ``$WORKBENCH_CACHE_DIR=/shared/...``), and no larger than a bundle
can be. Anything else at that path (another user's file, a pipe, a device) is not read, nor waited on.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import altair as alt

from .._atomic_write import write_text_atomic

_HEADER = "// workbench vega bundle sha256="
# Far above a bundle (~0.9 MB): a larger file at the path is not one of ours, and is not read into memory.
_MAX_BYTES = 64 << 20


def _key() -> tuple[str, str] | None:
    """What the bundle is built from, as a file name stem, and the widget source vl-convert bundles;
    None when this altair no longer has what is read here (then nothing is cached)."""
    try:
        import vl_convert as vlc
        from altair.jupyter.jupyter_chart import load_js_src
        from altair.utils._importers import vl_version_for_vl_convert

        src = load_js_src()
        parts = [alt.__version__, vlc.__version__, vl_version_for_vl_convert(), src]
    except (ImportError, AttributeError, OSError):
        return None
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24], src


def _path(stem: str) -> Path | None:
    from ..demo import cache_dir

    try:
        return cache_dir() / f"vega-bundle-{stem}.js"
    except RuntimeError:  # no $HOME and a user the password database does not know (a container's uid)
        return None


def _ours(st: os.stat_result) -> bool:
    """Whether a file may be trusted as the bundle this user's processes wrote (mode 0600, see write())."""
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_BYTES:
        return False
    if os.name != "posix":  # (Windows tells no owner here, and every writable file's mode as 0o666)
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read() -> str | None:
    """The cached bundle for this altair / vl-convert / Vega-Lite, or None (absent, damaged, unreadable, or
    not a file of this user's that only they may write)."""
    key = _key()
    path = _path(key[0]) if key is not None else None
    if path is None:
        return None
    try:
        # (non-blocking: a pipe at the path opens at once, and is then refused as no regular file)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            if not _ours(os.fstat(f.fileno())):
                return None
            text = f.read(_MAX_BYTES + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    head, _, body = text.partition("\n")
    if head != _HEADER + hashlib.sha256(body.encode("utf-8")).hexdigest():
        return None
    return body


def write(bundle: str) -> None:
    """Store ``bundle`` (what altair's ``enable_offline`` built) for the next process, atomically: a
    process reading at the same time sees the old file or the whole new one."""
    key = _key()
    path = _path(key[0]) if key is not None else None
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # 0600 and never through a link someone put at the path: read() trusts only such a file of this user's
        write_text_atomic(
            path,
            _HEADER + hashlib.sha256(bundle.encode("utf-8")).hexdigest() + "\n" + bundle,
            mode=0o600,
            follow_symlinks=False,
        )
    except OSError:
        pass  # a read-only home or a full disk: charts still draw, the next kernel builds its own bundle

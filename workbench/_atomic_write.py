"""Writing a file whole or not at all: a reader (or a crash half-way) never sees half of it."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ._params import user_path


def write_text_atomic(
    path: str | os.PathLike[str], text: str, mode: int | None = None, follow_symlinks: bool = True
) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it, renamed over ``path`` once complete:
    a full disk or an interrupt leaves the old file as it was (a policy half written would read as another
    policy, or as none).

    The file keeps the mode of the one it replaces (a new one: 0666 less the umask), or gets ``mode`` when
    given (a private cache file: 0o600). A symlink at ``path`` stays one, the file it names replaced; with
    ``follow_symlinks=False`` the link itself is replaced (a shared folder, where another user may have put
    a link to one of this user's files).

    A character device or a FIFO at ``path`` (``/dev/null``, ``/dev/stdout``, a named pipe) is written through, as a
    shell's redirection writes it, never replaced; a block device or a socket is refused (``OSError``).
    """
    path = user_path(path, "write to", OSError)  # ('~/policy.yaml': the home folder's, as a shell writes it)
    target = Path(os.path.realpath(path) if follow_symlinks else os.path.abspath(path))
    try:
        mode_now = os.lstat(target).st_mode
    except OSError:
        mode_now = None
    if mode_now is not None and (stat.S_ISCHR(mode_now) or stat.S_ISFIFO(mode_now)):
        # a device or a pipe (/dev/null, /dev/stdout, a FIFO): written through, as a shell's redirection writes it.
        # Renamed over, the node itself was replaced by a regular file (run as root: the machine's /dev/null)
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    if mode_now is not None and (stat.S_ISBLK(mode_now) or stat.S_ISSOCK(mode_now)):
        raise OSError(
            f"{target} is a {'block device' if stat.S_ISBLK(mode_now) else 'socket'}, not a file: "
            "nothing was written"
        )
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        if mode is not None:
            os.chmod(tmp, mode)
        elif target.exists():
            os.chmod(tmp, target.stat().st_mode & 0o7777)  # (mkstemp's 0600 would narrow a shared file)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

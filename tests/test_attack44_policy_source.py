"""A policy "file" that is no regular file. ``policy/_reader.py`` says a policy file "must never make the reader hang,
crash or silently pick one of two values", and the CLI refuses such a name, but ``Policy.from_yaml`` (what
``Guard(path)`` and ``wb.policy_of`` call) opens whatever the name ends in ``.yaml``: a named pipe blocks it until
something writes (seen: a guard's start-up waited forever), a ``policy.yaml`` symlink to ``/dev/zero`` reads until
MemoryError. attack44's strict xfail, fixed by fixb44."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

import workbench as wb

_POLICY = "schema: workbench.policy/v4\nbreakers: {max_depth: 3}\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_policy_name_that_is_a_named_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.yaml"
    os.mkfifo(fifo)

    # Something writes a valid policy into the pipe, so that the reader on main returns (instead of hanging the
    # test) and is seen to have opened it; a reader that refuses the name never opens it, and the writer is let go.
    def feed() -> None:
        try:
            with open(fifo, "w", encoding="utf-8") as pipe:
                pipe.write(_POLICY)
        except OSError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        with pytest.raises(wb.PolicyError, match="policy.yaml"):
            wb.Policy.from_yaml(fifo)
    finally:
        if writer.is_alive():
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            writer.join(5)
            os.close(reader)

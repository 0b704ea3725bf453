"""Files written "whole or not at all" by a rename over the target, when the target is a device.

``ws.snapshot(path)`` refuses to replace a file that is not a workbench store (route45, after attack45's
``ws.snapshot("traces.jsonl")``), but ``store/_snapshot.py::_check_replaceable`` reads the target's first bytes and
takes *no bytes* for an empty file, "nothing to lose": a device reads none, so a snapshot onto a character device
(``ws.snapshot("/dev/null")``, a way to time a snapshot and keep nothing) ``os.replace``-s the device node itself
with a DuckDB file; run as root (a container's usual user) that is the machine's ``/dev/null`` gone. A FIFO there
blocks the check's read for ever. A target that is not a regular file should be refused (or written through, as
a shell's redirection does), never replaced.

``Policy.to_yaml(path)`` / ``to_json`` (``_atomic_write.write_text_atomic``, which route45's policy write caps go
through) does the same with no check at all: ``workbench policy suggest -o /dev/null`` (to read the summary and
keep no file) replaces the device with the policy's YAML.

attack46's strict xfails, fixed by params46 (the snapshot refuses a node that is no file, ``replace=True``
or not; ``write_text_atomic`` writes through a character device or a FIFO, as a shell does), on device nodes of the test's own (made only where the test runs as root: ``mknod`` needs
it)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import workbench as wb
from workbench.policy import Policy, PolicyError

ROOT = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mknod of a device node needs root"
)


def _null_device(path: Path) -> Path:
    """A character device with the null device's numbers, at a path of the test's own."""
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return path


def _snapshot(path: Path) -> None:
    with wb.open() as ws:
        ws.snapshot(path)


@ROOT
@pytest.mark.parametrize(
    "write", [_snapshot, lambda path: Policy().to_yaml(path)], ids=["snapshot", "policy"]
)
def test_a_file_written_onto_a_device_leaves_the_device(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    device = _null_device(tmp_path / "null")
    try:
        write(device)
    except (wb.StoreError, PolicyError):
        pass  # refused: as good as written through
    assert stat.S_ISCHR(os.stat(device).st_mode), "the device node was replaced by a regular file"

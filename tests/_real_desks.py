"""A store of real traces, each file one run, detected and attributed as ``workbench investigate`` does (real41, real42)."""

from __future__ import annotations

import warnings
from pathlib import Path

import workbench as wb
from workbench._investigate import attribute_failed


def desk_store(files: dict[str, Path]) -> tuple[wb.Workspace, dict[str, str]]:
    """Every file ingested in turn (each must add one run), then detect and the failed runs' attribution: the store
    and name -> run id."""
    ws = wb.open()
    runs = {}
    for name, path in files.items():
        before = set(ws.runs()["run_id"])
        ws.ingest(path, progress=False)
        (runs[name],) = set(ws.runs()["run_id"]) - before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    attribute_failed(ws, None, "logonly")
    return ws, runs

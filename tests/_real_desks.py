"""A store of real traces, each file one run, detected and attributed as ``workbench investigate`` does (real41, real42)."""

from __future__ import annotations

import warnings
from pathlib import Path

import workbench as wb
from workbench._investigate import attribute_failed


def desk_store(files: dict[str, Path], failed: tuple[str, ...] = ()) -> tuple[wb.Workspace, dict[str, str]]:
    """Every file ingested, in one call (each file must be one run of its own: a call's fixed cost once, not once a
    file), the runs of ``failed`` (names) labelled failed as their user would (their logs report no outcome),
    then detect and the failed runs' attribution: the store and name -> run id."""
    ws = wb.open()
    ws.ingest(list(files.values()), progress=False)
    runs = {}
    for name, path in files.items():
        ((runs[name],),) = ws.sql(
            "SELECT DISTINCT run_id FROM steps WHERE file = ?", [str(path.resolve())]
        ).fetchall()
    assert sorted(runs.values()) == sorted(ws.runs()["run_id"]), (
        "a file's run is another's, or a run no file's"
    )
    for name in failed:
        ws.label(runs[name], outcome="failure")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    attribute_failed(ws, None, "logonly")
    return ws, runs


def detected_desk(
    folder: Path, names: tuple[str, ...], suffix: str = ".otlp.jsonl.gz"
) -> tuple[wb.Workspace, dict[str, str]]:
    """The files ``folder/<name><suffix>`` in one store by one ingest (each file one run, none quarantined), then
    detect (no attribution, which is costlier): the store and name -> run id (real44)."""
    ws = wb.open()
    report = ws.ingest([folder / f"{name}{suffix}" for name in names], progress=False)
    assert report.quarantined == 0
    runs = {}
    for name in names:
        ((runs[name],),) = ws.sql(
            "SELECT DISTINCT run_id FROM steps WHERE file LIKE ?", [f"%{name}%"]
        ).fetchall()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        wb.detect(ws, progress=False)
    return ws, runs

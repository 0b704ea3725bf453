"""review49: since mend49 tagged each exporter's batches (it stores only its own), a batch a killed session left in
an explicit ``spool_dir`` is no longer stored by the exporter made after the restart. The docstring says it; this
checks the exporter says it too, where the user sets the folder (a warning naming the folder, the count, a file)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk")

import workbench as wb  # noqa: E402
from workbench.capture import WorkspaceSpanExporter  # noqa: E402


def test_a_killed_sessions_batches_are_said_when_the_folder_is_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "spans-1700000000000000000-000001-0123456789ab.jsonl").write_text("{}\n")
    (spool / "spans-1700000000000000000-000000-0123456789ab.done.jsonl").write_text(
        "{}\n"
    )  # (stored: not said)
    ws = wb.open()
    with caplog.at_level(logging.WARNING, logger="workbench.capture"):
        exporter = WorkspaceSpanExporter(ws, spool_dir=spool)
    try:
        said = [r.getMessage() for r in caplog.records if r.name == "workbench.capture"]
        assert len(said) == 1, said
        assert str(spool) in said[0] and " 1 spooled batch" in said[0]
        assert "spans-1700000000000000000-000001-0123456789ab.jsonl" in said[0]
        assert exporter.pending() == 0  # (not its own: left where it is, as the docstring says)
    finally:
        exporter.shutdown()

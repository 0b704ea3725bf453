"""The command line writing to a full disk (``investigate --json > /mnt/full/report.json``): the report could not be
written, and the CLI said "OSError: [Errno 28] No space left on device" with exit 3 (the status of a bug of
workbench's), naming no file. Now exit 2, naming stdout and the file it is; the work itself (the ingest) is
done and stored. /dev/full stands for the full disk (a real full tmpfs: /work/wt/_notes/attack43.md)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

import workbench as wb
from workbench.cli import main

FIXTURE = Path(__file__).parent / "ingest" / "fixtures" / "whowhen" / "records.jsonl"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_output_is_exit_2_naming_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.duckdb"
    with (
        io.TextIOWrapper(open("/dev/full", "wb", buffering=0), write_through=True) as full,
        monkeypatch.context() as m,
    ):
        m.setattr("sys.stdout", full)
        code = main(["ingest", "--quiet", "--db", str(db), str(FIXTURE)])
    err = " ".join(capsys.readouterr()[1].split())
    assert code == 2
    assert "the output could not be written to stdout (/dev/full): No space left on device" in err
    with wb.open(db, read_only=True) as ws:
        assert ws.sql("SELECT count(*) FROM steps").fetchall()[0][0] > 0

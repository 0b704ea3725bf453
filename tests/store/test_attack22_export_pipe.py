"""A Parquet export holding a named pipe under a ``.parquet`` name (an export unpacked from an archive someone
sent): ``wb.open(folder)`` and ``ws.ingest(folder)`` handed it to DuckDB, which waited on it forever. Now both
refuse it at once, naming it. (Run in a child process with a time limit: on the old code it never returns.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import workbench as wb

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


@pytest.mark.parametrize("how", ["open", "ingest"])
def test_export_with_a_named_pipe_is_refused_at_once(tmp_path: Path, how: str) -> None:
    logs = tmp_path / "runs.jsonl"
    logs.write_text(
        json.dumps({"record": "step", "run_id": "r1", "step_id": "s1", "agent": "a", "kind": "llm"}) + "\n"
    )
    ws = wb.open()
    ws.ingest(logs, progress=False)
    folder = ws.export(tmp_path / "export")
    pipe = folder / "steps" / "zz.parquet"
    os.mkfifo(pipe)
    code = f"import workbench as wb\nfrom pathlib import Path\nf = Path({str(folder)!r})\n" + (
        "wb.open(f)\n" if how == "open" else "wb.open().ingest(f, progress=False)\n"
    )
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{how} of an export holding a named pipe never returned")
    assert proc.returncode == 1
    assert f"StoreError: {pipe} is no regular file (a named pipe or a device)" in proc.stderr

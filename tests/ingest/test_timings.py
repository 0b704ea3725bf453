"""WORKBENCH_INGEST_TIMINGS=1 prints the cost of the staging statements as well as the merge's (profiling)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_timings_name_the_native_read_and_the_staging_inserts(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"record": "step", "run_id": "r1", "step_id": f"s{i}", "kind": "llm", "seq": i})
            for i in range(5)
        )
        + "\n",
        encoding="utf-8",
    )
    code = (
        "import sys, workbench as wb\n"
        "with wb.open(sys.argv[2]) as ws:\n"
        "    print('stored', ws.ingest(sys.argv[1], progress=False).stored)\n"
    )
    env = dict(os.environ, WORKBENCH_INGEST_TIMINGS="1")
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), str(tmp_path / "s.duckdb")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert "stored 5" in out
    stage = [ln for ln in out if ln.startswith("[stage]")]
    # the whole-file read, then the copy of its steps into the stage
    assert any("CREATE OR REPLACE TEMP TABLE _wbf_rows" in ln for ln in stage), out
    assert any("INSERT INTO stage_steps" in ln for ln in stage), out
    assert all(" s wall " in ln and " s CPU " in ln and " MB peak " in ln for ln in stage)
    assert any(ln.startswith("[merge]") and "INSERT INTO steps" in ln for ln in out)
    # the line scan's own thread's CPU, read at the end of the copies it ran beside and at its end
    assert [ln.split("MB peak", 1)[1].strip() for ln in out if ln.startswith("[scan]")] == [
        "line scan, until the other records' copies ended",
        "line scan, until the steps' copy ended",
        "line scan, in all",
    ], out
    # off (the default), nothing is printed
    env.pop("WORKBENCH_INGEST_TIMINGS")
    quiet = subprocess.run(
        [sys.executable, "-c", code, str(path), str(tmp_path / "t.duckdb")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert quiet == ["stored 5"]

"""pyarrow is imported by the paths that hand rows over in Arrow batches only, not by every ingest.

Its import costs a process ~25-37 MB of RSS and ~0.1 CPU s; the native format's whole-file path stages in SQL
and never needs it. Each check runs in a fresh interpreter (this one has long imported pyarrow).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import workbench

_ROOT = (
    Path(workbench.__file__).resolve().parents[1]
)  # (the child imports the code under test, not another copy)

_CHILD = """
import json, sys
import workbench as wb
for n, (path, fmt) in enumerate(zip(sys.argv[2::2], sys.argv[3::2])):
    with wb.open(f"{sys.argv[1]}-{n}.duckdb") as ws:  # (a store of its own each)
        report = ws.ingest(path, format=fmt, progress=False)
    print(json.dumps({"stored": report.stored, "quarantined": report.quarantined,
                      "arrow": sorted(m for m in sys.modules if m.split(".")[0] == "pyarrow")}))
"""


def _ingest_in_child(tmp_path: Path, *reads: tuple[Path, str]) -> list[dict]:
    """Each of ``reads`` (a file and its format) ingested in turn in one fresh interpreter, into a store of its
    own: what each call stored and the pyarrow modules loaded after it."""
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "store"), *(str(x) for read in reads for x in read)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=tmp_path,
    )
    return [json.loads(line) for line in out.stdout.strip().splitlines()[-len(reads) :]]


def _native_lines() -> list[dict]:
    lines: list[dict] = []
    for r in range(3):
        run = f"run-{r}"
        lines.append({"record": "run", "run_id": run, "system": "shop", "task": "buy", "outcome": "failure"})
        for s in range(4):
            lines.append(
                {
                    "record": "step",
                    "run_id": run,
                    "step_id": f"s{s}",
                    "seq": s,
                    "parent_id": None if s == 0 else "s0",
                    "agent": "planner" if s else None,
                    "kind": "system" if s == 0 else "llm",
                    "name": f"step {s}",
                    "status": "ok",
                    "started_at": f"2026-01-01T00:00:0{s}Z",
                    "ended_at": f"2026-01-01T00:00:0{s + 1}Z",
                    "input": {"q": s},
                    "output": f"answer {s}",
                    "tokens_in": 10,
                    "cost": 0.001,
                }
            )
        lines.append({"record": "edge", "run_id": run, "src_step": "s1", "dst_step": "s2", "kind": "handoff"})
        lines.append({"record": "label", "run_id": run, "agent": "planner", "step_id": "s2"})
    return lines


def test_native_ingest_leaves_pyarrow_unimported_and_a_python_reader_still_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in _native_lines()))
    # (a bad line goes to the Python reader, which quarantines it through an Arrow batch: read after the first
    # file, in the same interpreter)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(path.read_text() + '{"record": "step", "run_id": 5}\n')
    good, then_bad = _ingest_in_child(tmp_path, (path, "native"), (bad, "native"))
    assert (good["stored"], good["quarantined"]) == (12, 0)
    assert good["arrow"] == []
    assert (then_bad["stored"], then_bad["quarantined"]) == (12, 1)
    assert "pyarrow" in then_bad["arrow"]


_MANY_SMALL = """
import json, sys
import workbench as wb
from workbench.ingest import native
by_sql = []
read_whole = native.stage_native_file
native.stage_native_file = lambda path, *a: by_sql.append(path) or read_whole(path, *a)
report = wb.open().ingest(sys.argv[1], progress=False)
print(json.dumps({"stored": report.stored, "by_sql": len(by_sql)}))
"""


def test_a_folder_of_small_files_does_not_pay_the_sql_paths_fixed_cost_each(tmp_path: Path) -> None:
    """(attack35) Each small file read by SQL cost ~80 ms CPU of fixed cost: 250 one-line files 21 CPU s, with
    the Python reader 0.3-0.5; a folder of 100k such files, hours. Past a few such files pyarrow is loaded."""
    for i, line in enumerate(_native_lines()):
        (tmp_path / f"{i:02d}.jsonl").write_text(
            json.dumps({**line, "record": "step", "run_id": "r", "step_id": f"s{i}"}) + "\n"
        )
    out = subprocess.run(
        [sys.executable, "-c", _MANY_SMALL, str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(_ROOT)},
        check=True,
        cwd=tmp_path,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got == {"stored": len(_native_lines()), "by_sql": 8}

"""Microsoft Agent Framework 1.26's workflow run, captured live (drift50; the fixture's README says how): its
root span is ``invoke_workflow <name>`` where 1.23 wrote ``workflow.run``, so the ``workflow.build`` trace of the
same ``workflow.id`` no longer joined it (``ingest/_workflow_build.py``): every file read as the run and a one-step
run of the build. Read in one call, or the build first and the run in a later one.
"""

from __future__ import annotations

from pathlib import Path

from _otlp_edits import ingested_whole
from _reader_agreement import readers

import workbench as wb

RUN = Path(__file__).parent / "fixtures" / "agent-framework" / "invoke_workflow_1_26.otlp.jsonl"


def _read(ws: wb.Workspace) -> tuple[list[list], list[tuple[str, str]], list[tuple[str, str]]]:
    runs = ws.runs()
    steps = ws.steps(runs.run_id[0]).sort_values("seq")
    handoffs = steps[steps.kind == "handoff"]
    tools = steps[steps.kind == "tool"]
    return (
        runs[["outcome", "n_steps"]].values.tolist(),
        list(zip(handoffs.agent, handoffs.output, strict=True)),
        list(zip(tools.agent, tools.tool, strict=True)),
    )


READ = (
    [["success", 36]],
    [("planner", "researcher"), ("researcher", "writer")],
    [("researcher", "get_price"), ("writer", "format_quote")],
)


def test_the_build_trace_joins_its_invoke_workflow_run() -> None:
    # (by the reader chosen; both readers' agreement on it is test_reader24_agreement's checked-in fixtures')
    ws = ingested_whole(RUN)
    assert _read(ws) == READ
    steps = ws.steps(ws.runs().run_id[0])
    # the build stays a root of the run (the run did not call it), beside the workflow's own
    assert sorted(steps[steps.parent_id.isna()].name) == ["invoke_workflow quote_desk", "workflow.build"]


def test_a_build_stored_before_joins_the_run_read_later(tmp_path: Path) -> None:
    build, run = tmp_path / "build.otlp.jsonl", tmp_path / "run.otlp.jsonl"
    lines = RUN.read_text().splitlines(keepends=True)
    assert '"workflow.build"' in lines[0]
    build.write_text(lines[0])
    run.write_text("".join(lines[1:]))
    with readers(None):
        ws = wb.open()
        ws.ingest(build, progress=False)
        ws.ingest(run, progress=False)
    assert _read(ws) == READ

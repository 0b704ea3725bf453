"""A trace split over ingest calls is stored as one call stores it (store43's rule), also for real51's AgentChat
tool errors (765a6e55): OpenInference's AgentChat instrumentation writes a tool that raised as OK, and the agent's
next model call says the result was an error. An exporter sends the tool span (it ends first) before that model
call: read in two calls as it was sent, the rule, which looks at the staged steps only, leaves the call OK. (Read
whole, the call is failed: test_drift50_autogen_openinference.py.)"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

import workbench as wb

FIXTURE = (
    Path(__file__).parent / "fixtures" / "autogen-tool-error" / "price_raises_openinference.otlp.jsonl.gz"
)
TOOLS = "SELECT tool, status, error FROM steps WHERE kind = 'tool' AND tool = 'get_price'"


@pytest.mark.xfail(
    strict=True,
    reason="_agentchat_tool_errors reads the staged steps only: a tool span stored by an earlier call stays OK "
    "when the model call saying its result was an error comes later (real51's 765a6e55)",
)
def test_the_failed_call_read_in_the_two_parts_an_exporter_sends(tmp_path: Path) -> None:
    lines = gzip.decompress(FIXTURE.read_bytes()).decode().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if '"pricer.get_price"' in line) + 1  # (one span a line)
    ws = wb.open()
    for n, part in enumerate((lines[:cut], lines[cut:])):
        path = tmp_path / f"part{n}.otlp.jsonl"
        path.write_text("".join(part))
        assert ws.ingest(path, progress=False).quarantined == 0
    assert ws.sql("SELECT count(*) FROM runs").fetchall() == [(1,)]
    assert ws.sql(TOOLS).fetchall() == [("get_price", "error", "price feed timeout")]

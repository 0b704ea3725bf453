"""The OpenAI Agents desk (through OpenInference: one run that crashed in a tool, one that handed off and succeeded)
the per-agent tuner tests share, and their text of an HTML value."""

from __future__ import annotations

import re
from pathlib import Path

from _built import copy_of

import workbench as wb

FIXTURES = Path(__file__).resolve().parents[1] / "ingest" / "fixtures" / "openai-agents"


def desk() -> wb.Workspace:
    """A copy of the desk's store, ingested once per process (tests/_built.py): seven tests of two modules read it."""
    return copy_of(("openai_agents_desk",), _desk)


def _desk() -> wb.Workspace:
    ws = wb.open()
    for name in ("openinference_handoffs.otlp.jsonl", "openinference_tool_crash.otlp.jsonl"):
        ws.ingest(str(FIXTURES / name), progress=False)
    return ws


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", "", html))

"""attack44's one-run native logs: run ``r1``, one step per agent a second apart (each 0.5 s long), a parent
``s0``; the smallest store that shows each defect its tests name."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run_records(
    agents: Sequence[str],
    outcome: str | None = "failure",
    tool_at: int | None = None,
    odd: dict[str, Any] | None = None,
    odd_at: int = 1,
) -> list[dict[str, Any]]:
    """The run record (none when ``outcome`` is None) and a step per agent; step ``tool_at`` a tool call, step
    ``odd_at`` updated with ``odd``."""
    records = [] if outcome is None else [{"record": "run", "run_id": "r1", "outcome": outcome}]
    for s, agent in enumerate(agents):
        step = {
            "record": "step",
            "run_id": "r1",
            "step_id": f"s{s}",
            "parent_id": "s0" if s else None,
            "agent": agent,
            "kind": "tool" if s == tool_at else "llm",
            "started_at": f"2026-01-05T10:00:0{s}Z",
            "ended_at": f"2026-01-05T10:00:0{s}.5Z",
        }
        records.append({**step, **odd} if odd and s == odd_at else step)
    return records


def write_log(path: Path, records: list[dict[str, Any]]) -> Path:
    """``records`` as a native JSONL file at ``path``."""
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path

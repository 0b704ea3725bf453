"""README promises found false in areas other helpers own this round (claims45): strict xfails, fixed by params46."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb


def test_an_unknown_format_name_is_an_invalid_parameter(tmp_path: Path) -> None:
    log = tmp_path / "one.jsonl"
    log.write_text(
        json.dumps({"record": "step", "run_id": "r", "step_id": "s", "agent": "a", "kind": "llm"}) + "\n"
    )
    with wb.open() as ws, pytest.raises(wb.InvalidParameterError, match="format"):
        ws.ingest(log, format="nope", progress=False)

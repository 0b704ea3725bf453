"""A run's attributes from several run records are merged key by key (a later value wins), not replaced.

The realistic case (realingest11): an any-agent dump declares the run's answer as its ``output`` attribute,
and the OTLP export of the same run, ingested after it, records the run's resource; the second must not
drop the first's answer.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ingest"))
from test_realingest11_anyagent import ANSWER, _files  # noqa: E402


def _attributes(ws: wb.Workspace) -> dict:
    rows = ws.sql("SELECT attributes FROM runs").fetchall()
    assert len(rows) == 1
    return json.loads(rows[0][0])


def test_the_otlp_copy_keeps_the_dumps_answer(tmp_path: Path) -> None:
    dump, otlp = _files(tmp_path)
    ws = wb.open()
    ws.ingest(dump)
    ws.ingest(otlp)
    attrs = _attributes(ws)
    assert json.loads(attrs["output"]) == ANSWER and attrs["service.name"] == "unknown_service"
    # both in one call: the same
    ws2 = wb.open()
    ws2.ingest([dump, otlp])
    assert _attributes(ws2) == attrs


def _native(path: Path, attributes: dict) -> Path:
    path.write_text(
        json.dumps({"record": "run", "run_id": "r1", "attributes": attributes})
        + "\n"
        + json.dumps({"record": "step", "run_id": "r1", "step_id": "s1", "kind": "llm", "agent": "a"})
        + "\n"
    )
    return path


def test_later_values_win_key_by_key(tmp_path: Path) -> None:
    first = _native(tmp_path / "1.jsonl", {"team": "blue", "region": "eu", "nested": {"x": 1}})
    second = _native(tmp_path / "2.jsonl", {"region": "us", "nested": {"y": 2}, "added": [1, 2]})
    ws = wb.open()
    ws.ingest(first)
    ws.ingest(second)
    assert _attributes(ws) == {"team": "blue", "region": "us", "nested": {"y": 2}, "added": [1, 2]}
    ws2 = wb.open()
    ws2.ingest([first, second])
    assert _attributes(ws2) == _attributes(ws)
    ws.ingest(first)  # the first again: its values win now
    assert _attributes(ws) == {"team": "blue", "region": "eu", "nested": {"x": 1}, "added": [1, 2]}

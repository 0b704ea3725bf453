"""A trace split over two files read in two ingest calls (a Collector file exporter's rotated files read as
they come) gives the steps the one call gives (attack15). AG2's tool executor acts for the agent whose turn
came before it: when that turn was stored by the earlier call, the executor (and its failed tool call) were
the chat manager's, so the retry was nobody's that the one-call ingest names."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from test_real14_ag2 import groupchat

import workbench as wb
from workbench.ingest._registry import ADAPTERS
from workbench.ingest.otlp import OtlpJson


def _agents(ws: wb.Workspace) -> dict[str, tuple[str, str | None]]:
    return {r[0][-2:]: (r[1], r[2]) for r in ws.sql("SELECT step_id, kind, agent FROM steps").fetchall()}


# By the SQL path (the same split in order by the Python reader, with b2's and c1's agent: test_attack16_split_turns'
# python case in-order-3)
def test_the_turn_before_an_executor_stored_by_an_earlier_call_names_its_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(next(a for a in ADAPTERS if isinstance(a, OtlpJson)), "fast", True)
    doc = groupchat()
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    paths = []
    for i, part in enumerate((spans[:3], spans[3:])):  # up to the researcher's first turn, then the rest
        piece = copy.deepcopy(doc)
        piece["resourceSpans"][0]["scopeSpans"][0]["spans"] = part
        paths.append(tmp_path / f"ag2-{i}.otlp.jsonl")
        paths[-1].write_text(json.dumps(piece) + "\n")
    whole = wb.open()
    whole.ingest(paths)
    split = wb.open()
    split.ingest(paths[0])
    split.ingest(paths[1])
    assert _agents(whole)["b2"] == ("chain", "researcher") and _agents(whole)["c1"] == ("tool", "researcher")
    assert _agents(split) == _agents(whole)
